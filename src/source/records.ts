// The one path from an API record to an emitted one, and the query every read of a stream sends:
// the flat, partitioned and child readers all use these, so none skips a field a stream omits.
import type { StreamDefinition } from './streams/types';
import type { SourceConfig } from './config';

/** The stream's fixed query plus what it computes per read (e.g. a time window). */
export function listQuery(
  def: StreamDefinition,
  config: SourceConfig,
  now: number
): Record<string, string | string[]> {
  return { ...def.query, ...def.queryFor?.(config, now) };
}

/**
 * A record as read() emits it: without the fields the stream omits (secrets), adjusted by the reader
 * (a child's parent id), then transformed (named custom fields).
 */
export function prepareRecord(
  def: StreamDefinition,
  raw: Record<string, unknown>,
  transform?: (record: Record<string, unknown>) => Record<string, unknown>,
  adjust?: (record: Record<string, unknown>) => void
): Record<string, unknown> {
  let record = raw;
  if (def.omitFields) {
    record = { ...raw };
    for (const f of def.omitFields) delete record[f];
  }
  adjust?.(record);
  return transform ? transform(record) : record;
}
