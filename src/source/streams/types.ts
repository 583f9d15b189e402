// The declarative shape of a stream: everything the generic reader, the schema generator, the
// manifest test and discover() need to know about one incident.io list endpoint.
import type { SyncMode } from '../../contract';

export interface StreamDefinition {
  name: string;
  description: string;
  /** List endpoint, e.g. "/v2/incidents" (GET). */
  path: string;
  /**
   * Property of the 200 response that holds the records, e.g. "incidents". A dotted path reaches into
   * an object ("schedule_entries.final"); several paths are read one after the other.
   */
  recordsField: string | string[];
  /** Query parameter that carries the next-page cursor (default "after"). */
  afterParam?: string;
  /** Query parameters computed per read, e.g. a time window from the source config. */
  queryFor?: (
    config: { schedule_window_days?: { past: number; future: number } },
    now: number
  ) => Record<string, string>;
  /** Fields dropped from every record: secrets the API returns (alert source tokens). */
  omitFields?: string[];
  /** Page size we ask for (the endpoint's maximum); absent for endpoints that return everything at once. */
  pageSize?: number;
  /** Query parameters always sent (for example completeness filters that override API defaults). */
  query?: Record<string, string | string[]>;
  /**
   * Read once per value of this query parameter, for endpoints that hide some values unless asked
   * and accept only one at a time (follow-ups and actions by incident_mode).
   */
  partitionBy?: { param: string; values: string[] };
  /** A child stream: read once per record of the parent stream, passing its id as `param`. */
  parent?: {
    stream: string;
    param: string;
    /** Copy the parent id into each child record under `param` when the API leaves it out. */
    addToRecord?: boolean;
    /**
     * The children carry their own `cursorField`, which nothing says moves the parent's: incremental
     * reads the children of every parent and keeps those changed since the stream's own cursor.
     */
    ownCursor?: boolean;
    /**
     * The list also serves the whole organisation without `param` (the spec says so): a backfill or
     * a full refresh reads it once, with this extra query, instead of once per parent.
     */
    orgWide?: { query?: Record<string, string | string[]> };
  };
  primaryKey: string[][];
  /** Field of the record the incremental cursor follows, e.g. "updated_at". */
  cursorField?: string;
  /** Query filter for the cursor (`<filter>[gte]=...`); without it incremental filters client-side. */
  cursorFilter?: string;
  /**
   * Backfills are split into parallel partitions on this time filter (one `date_range` per bounded
   * partition). `wholeDays`: the API matches the filter by whole UTC days (incidents, escalations), so
   * partitions start on day boundaries and date_range bounds are dates.
   */
  timePartition?: { filter: 'created_at'; oldestFirst?: boolean; wholeDays?: boolean };
  /** Source-config key of this stream's re-read window, when it differs from `lookback_minutes`. */
  lookbackSetting?: 'reread_window_minutes';
  syncModes: SyncMode[];
  /** Adds a `custom_fields` object keyed by field name (source config custom_fields: named). */
  namedCustomFields?: boolean;
  /** Required properties of schema components that the API is known to leave out (schema generator). */
  relaxRequired?: Record<string, string[]>;
  /** Properties the connector adds to records, merged into the generated record schema. */
  extraProperties?: Record<string, Record<string, unknown>>;
  /** Link to the incident.io API reference of the endpoint. */
  docs: string;
}
