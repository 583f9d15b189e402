// The declarative shape of an action: its input schema, idempotency strategy and roles, plus the
// code that turns one validated input record into one API request.
import type { IncidentIoClient, RequestOptions } from '../../http/client';
import type { NameResolver } from '../names';

export interface ActionContext {
  client: IncidentIoClient;
  names: NameResolver;
  /** Wall-clock start of this write run (ms), used to tell replays from new objects. */
  runStartedAt: number;
}

export interface PreparedRequest {
  request: RequestOptions;
  /** Reads the incident.io id and what happened from the 2xx body. */
  interpret(body: unknown): { id: string; outcome: 'created' | 'updated' | 'unchanged' | 'existing' };
}

export interface ActionDefinition {
  name: string;
  description: string;
  /** Input schema file, relative to the package root. */
  input: string;
  idempotency: string;
  /** Account roles any one of which allows this action (for the probe's warnings). */
  writeRoles: string[];
  /**
   * Turns a schema-valid input into a request: resolves names, derives idempotency keys. Throws
   * BadRecordError for input the schema cannot judge (an unknown severity name).
   */
  prepare(input: Record<string, unknown>, raw: unknown, ctx: ActionContext): Promise<PreparedRequest>;
}
