// The declarative shape of a stream: everything the generic reader, the schema generator, the
// manifest test and discover() need to know about one incident.io list endpoint.
import type { SyncMode } from '../../contract';

export interface StreamDefinition {
  name: string;
  description: string;
  /** List endpoint, e.g. "/v2/incidents" (GET). */
  path: string;
  /** Property of the 200 response that holds the records, e.g. "incidents". */
  recordsField: string;
  /** Page size we ask for; absent for endpoints that return everything in one response. */
  pageSize?: number;
  /** Query parameters always sent (for example completeness filters that override API defaults). */
  query?: Record<string, string | string[]>;
  primaryKey: string[][];
  /** Field of the record the incremental cursor follows, e.g. "updated_at". */
  cursorField?: string;
  /** Query filter used for the incremental cursor, e.g. "updated_at" → `updated_at[gte]=...`. */
  cursorFilter?: string;
  syncModes: SyncMode[];
  /** Account roles any one of which lets a key read this stream (for discover() and 403 messages). */
  readRoles: string[];
}
