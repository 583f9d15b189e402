// Singer messages (singer-io/getting-started SPEC.md): a catalog for discovery, and for a read SCHEMA
// before each stream's first RECORD, RECORD, and STATE holding one value with every stream's bookmark
// ({"bookmarks": {stream: state}}), which is what a Singer target echoes and `--state` takes back.
import type { SourceMessage, StreamDescriptor, StreamRequest, StreamState, SyncMode } from '../../contract';
import { ConfigError } from '../../errors';
import { catalogStreams, isObject } from './format';
import { toDraft07 } from './json-schema';

export type SingerMessage = { type: string } & Record<string, unknown>;

/** Singer's key_properties are top-level field names: the first step of each primary-key path. */
function keyProperties(d: Pick<StreamDescriptor, 'primaryKey'>): string[] {
  return d.primaryKey.map((path) => path[0]);
}

export function singerCatalog(streams: StreamDescriptor[]): Record<string, unknown> {
  return {
    streams: streams
      .filter((d) => !d.unavailable)
      .map((d) => ({
        tap_stream_id: d.name,
        stream: d.name,
        schema: toDraft07(d.jsonSchema),
        key_properties: keyProperties(d),
        metadata: [
          {
            breadcrumb: [],
            metadata: {
              inclusion: 'available',
              'table-key-properties': keyProperties(d),
              'forced-replication-method': d.supportedSyncModes.includes('incremental')
                ? 'INCREMENTAL'
                : 'FULL_TABLE',
              ...(d.cursorField ? { 'valid-replication-keys': [d.cursorField.join('.')] } : {}),
            },
          },
        ],
      })),
  };
}

/**
 * The selected streams of a Singer catalog (metadata of breadcrumb [] with selected: true, or the
 * older `selected` on the stream), with the replication method it asks for.
 */
export function streamsOfSingerCatalog(catalog: unknown, file: string): StreamRequest[] {
  const streams = catalogStreams(catalog, file, 'Singer catalog');
  const out: StreamRequest[] = [];
  for (const [i, entry] of streams.entries()) {
    const name = isObject(entry) ? (entry.tap_stream_id ?? entry.stream) : undefined;
    if (!isObject(entry) || typeof name !== 'string') {
      throw new ConfigError('the catalog', [
        { field: `${file}: /streams/${i}`, reason: 'has no tap_stream_id' },
      ]);
    }
    const top = Array.isArray(entry.metadata)
      ? (entry.metadata as unknown[]).find(
          (m): m is { metadata: Record<string, unknown> } =>
            isObject(m) && Array.isArray(m.breadcrumb) && m.breadcrumb.length === 0 && isObject(m.metadata)
        )?.metadata
      : undefined;
    if ((top?.selected ?? entry.selected) !== true) continue;
    const method = top?.['replication-method'];
    const syncMode: SyncMode | undefined =
      method === 'FULL_TABLE' ? 'full_refresh' : method === 'INCREMENTAL' ? 'incremental' : undefined;
    out.push(syncMode ? { name, syncMode } : { name });
  }
  return out;
}

/**
 * Per-stream states from a Singer state: {"bookmarks": {...}} as a target echoes it, or the STATE
 * messages a read printed (the last one wins).
 */
export function statesFromSinger(values: unknown[], file: string): Record<string, StreamState> {
  let bookmarks: unknown;
  for (const value of values) {
    if (isObject(value) && value.type === 'STATE')
      bookmarks = isObject(value.value) ? value.value.bookmarks : undefined;
    else if (isObject(value) && 'bookmarks' in value) bookmarks = value.bookmarks;
    else if (isObject(value) && typeof value.type === 'string')
      continue; // a RECORD or SCHEMA line
    else bookmarks = undefined;
    if (!isObject(bookmarks)) {
      throw new ConfigError('the state', [
        { field: file, reason: 'is not a Singer state ({"bookmarks": {"<stream>": {…}}})' },
      ]);
    }
  }
  const out: Record<string, StreamState> = {};
  for (const [stream, state] of Object.entries((bookmarks ?? {}) as Record<string, unknown>)) {
    if (isObject(state)) out[stream] = state;
  }
  return out;
}

/**
 * Translates a read's SourceMessages. `schemaOf` gives a stream's record schema and keys (the
 * manifest's, no request needed); `initial` holds the bookmarks of streams this read does not touch,
 * so every STATE carries them all.
 */
export class SingerReadFormatter {
  private readonly bookmarks: Record<string, StreamState>;
  private readonly described = new Set<string>();

  constructor(
    private readonly schemaOf: (
      stream: string
    ) => Pick<StreamDescriptor, 'jsonSchema' | 'primaryKey' | 'cursorField'>,
    initial: Record<string, StreamState> = {}
  ) {
    this.bookmarks = { ...initial };
  }

  messages(msg: SourceMessage): SingerMessage[] {
    switch (msg.type) {
      case 'record': {
        const record = {
          type: 'RECORD',
          stream: msg.stream,
          record: msg.data,
          time_extracted: new Date().toISOString(),
        };
        return this.described.has(msg.stream) ? [record] : [this.schema(msg.stream), record];
      }
      case 'state':
        this.bookmarks[msg.stream] = msg.state;
        return [{ type: 'STATE', value: { bookmarks: { ...this.bookmarks } } }];
      case 'stream_status':
        // SCHEMA before anything of the stream, records or not, so a target knows every stream read.
        return msg.status === 'started' && !this.described.has(msg.stream) ? [this.schema(msg.stream)] : [];
      default:
        return []; // Singer has no status, estimate or log messages: the CLI's stderr carries those.
    }
  }

  private schema(stream: string): SingerMessage {
    this.described.add(stream);
    const d = this.schemaOf(stream);
    return {
      type: 'SCHEMA',
      stream,
      schema: toDraft07(d.jsonSchema),
      key_properties: keyProperties(d),
      ...(d.cursorField ? { bookmark_properties: [d.cursorField.join('.')] } : {}),
    };
  }
}
