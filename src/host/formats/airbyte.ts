// Airbyte protocol messages (protocol v0: airbyte_protocol.yaml, `AirbyteMessage`) from what the
// plugin gives: the spec, a probe, the streams, a read's SourceMessages; and the inputs Airbyte passes
// (a ConfiguredAirbyteCatalog, per-stream STATE messages) turned back into the plugin's terms.
import type {
  ConnectorManifest,
  ProbeResult,
  SourceMessage,
  StreamDescriptor,
  StreamRequest,
  StreamState,
  SyncMode,
} from '../../contract';
import { ConfigError, ConnectorError, type FailureType } from '../../errors';
import { catalogStreams, isObject } from './format';
import { mergeObjectSchemas, toDraft07 } from './json-schema';

export type AirbyteMessage = { type: string } & Record<string, unknown>;
type FailureKind = 'config_error' | 'system_error' | 'transient_error';

/** Airbyte's three failure types: config_error (the user fixes something), transient_error, system_error. */
export function airbyteFailureType(failureType: string): FailureKind {
  switch (failureType as FailureType) {
    case 'config':
    case 'auth':
    case 'permission':
    case 'bad_record':
      return 'config_error';
    case 'rate_limited':
    case 'transient':
      return 'transient_error';
    default:
      return 'system_error';
  }
}

export function airbyteLog(level: string, message: string): AirbyteMessage {
  return { type: 'LOG', log: { level: level.toUpperCase(), message } };
}

export function airbyteError(message: string, failureType: string, stream?: string): AirbyteMessage {
  return {
    type: 'TRACE',
    trace: {
      type: 'ERROR',
      emitted_at: Date.now(),
      error: {
        message,
        failure_type: airbyteFailureType(failureType),
        ...(stream ? { stream_descriptor: { name: stream } } : {}),
      },
    },
  };
}

/** The TRACE error of an exception that ends a command (message already redacted by the caller). */
export function airbyteErrorOf(e: unknown, message: string): AirbyteMessage {
  return airbyteError(message, e instanceof ConnectorError ? e.failureType : 'system');
}

/**
 * SPEC: `connectionSpecification` is the one config Airbyte passes: the credential's fields beside
 * the source's config (or, for `--destination`, the destination's), in draft-07 with airbyte_secret.
 */
export function airbyteSpec(
  manifest: ConnectorManifest,
  schemas: { credential: Record<string, unknown>; config: Record<string, unknown> },
  role: 'source' | 'destination'
): AirbyteMessage {
  const merged = mergeObjectSchemas(`${manifest.name} ${role}`, schemas.credential, schemas.config);
  return {
    type: 'SPEC',
    spec: {
      ...(typeof manifest.docsUrl === 'string' ? { documentationUrl: manifest.docsUrl } : {}),
      connectionSpecification: toDraft07(merged),
      ...(role === 'source'
        ? { supportsIncremental: true }
        : { supported_destination_sync_modes: ['append', 'append_dedup'] }),
    },
  };
}

export function airbyteConnectionStatus(probe: ProbeResult | { ok: false; message: string }): AirbyteMessage {
  return {
    type: 'CONNECTION_STATUS',
    connectionStatus: probe.ok
      ? {
          status: 'SUCCEEDED',
          message: [`key "${probe.identity.name}"`, ...probe.warnings].join('; '),
        }
      : { status: 'FAILED', message: probe.message },
  };
}

/** CATALOG of the streams this key can read (the others are left out: `unavailable` says why). */
export function airbyteCatalog(streams: StreamDescriptor[]): AirbyteMessage {
  return {
    type: 'CATALOG',
    catalog: {
      streams: streams
        .filter((d) => !d.unavailable)
        .map((d) => ({
          name: d.name,
          json_schema: toDraft07(d.jsonSchema),
          supported_sync_modes: d.supportedSyncModes,
          source_defined_cursor: d.cursorField !== undefined,
          default_cursor_field: d.cursorField ?? [],
          source_defined_primary_key: d.primaryKey,
          // Every stream resumes from its last state, full refresh too (a scan in progress is in it).
          is_resumable: true,
        })),
    },
  };
}

/** The streams of a ConfiguredAirbyteCatalog, with their sync modes (names checked by the caller). */
export function streamsOfConfiguredCatalog(catalog: unknown, file: string): StreamRequest[] {
  const streams = catalogStreams(catalog, file, 'ConfiguredAirbyteCatalog');
  return streams.map((entry, i) => {
    const name = isObject(entry) && isObject(entry.stream) ? entry.stream.name : undefined;
    const mode = isObject(entry) ? (entry.sync_mode ?? 'full_refresh') : undefined;
    if (typeof name !== 'string' || (mode !== 'full_refresh' && mode !== 'incremental')) {
      throw new ConfigError('the catalog', [
        {
          field: `${file}: /streams/${i}`,
          reason: 'needs stream.name and a sync_mode of full_refresh or incremental',
        },
      ]);
    }
    return { name, syncMode: mode as SyncMode };
  });
}

/**
 * Per-stream states from what Airbyte passes as --state: a list of AirbyteStateMessages (STREAM or
 * GLOBAL), or the STATE messages a read printed (JSON lines, or a list); the last one per stream wins.
 * A null stream_state is a reset: that stream starts over.
 */
export function statesFromAirbyte(values: unknown[], file: string): Record<string, StreamState> {
  const out: Record<string, StreamState> = {};
  const take = (stream: unknown) => {
    if (
      !isObject(stream) ||
      !isObject(stream.stream_descriptor) ||
      typeof stream.stream_descriptor.name !== 'string'
    )
      return false;
    const name = stream.stream_descriptor.name;
    if (isObject(stream.stream_state)) out[name] = stream.stream_state;
    else delete out[name];
    return true;
  };
  for (const [i, value] of values.entries()) {
    // An AirbyteMessage of type STATE, or the AirbyteStateMessage itself.
    const state = isObject(value) && value.type === 'STATE' && isObject(value.state) ? value.state : value;
    if (isObject(value) && value.type !== 'STATE' && !('stream' in value) && !('global' in value)) continue;
    const ok =
      isObject(state) &&
      (state.type === 'GLOBAL' && isObject(state.global) && Array.isArray(state.global.stream_states)
        ? state.global.stream_states.every(take)
        : take(state.stream));
    if (!ok) {
      throw new ConfigError('the state', [
        {
          field: `${file}: item ${i + 1}`,
          reason:
            'is not a per-stream Airbyte state ({"type":"STREAM","stream":{"stream_descriptor":{"name":…},"stream_state":{…}}}); this source reads STREAM states, not LEGACY ones',
        },
      ]);
    }
  }
  return out;
}

/**
 * Translates a read's SourceMessages: RECORD with emitted_at; STATE per stream with the records since
 * the stream's last state; TRACE stream statuses (STARTED, RUNNING at the first record, COMPLETE or
 * INCOMPLETE after an ERROR with its failure type); ESTIMATE; LOG.
 */
export class AirbyteReadFormatter {
  private readonly sinceState = new Map<string, number>();
  private readonly running = new Set<string>();

  messages(msg: SourceMessage): AirbyteMessage[] {
    const now = Date.now();
    switch (msg.type) {
      case 'record': {
        this.sinceState.set(msg.stream, (this.sinceState.get(msg.stream) ?? 0) + 1);
        const record: AirbyteMessage = {
          type: 'RECORD',
          record: { stream: msg.stream, data: msg.data, emitted_at: now },
        };
        if (this.running.has(msg.stream)) return [record];
        this.running.add(msg.stream);
        return [status(msg.stream, 'RUNNING', now), record];
      }
      case 'state': {
        const recordCount = this.sinceState.get(msg.stream) ?? 0;
        this.sinceState.set(msg.stream, 0);
        return [
          {
            type: 'STATE',
            state: {
              type: 'STREAM',
              stream: { stream_descriptor: { name: msg.stream }, stream_state: msg.state },
              sourceStats: { recordCount },
            },
          },
        ];
      }
      case 'stream_status':
        if (msg.status === 'started') return [status(msg.stream, 'STARTED', now)];
        this.running.delete(msg.stream);
        if (msg.status === 'complete') return [status(msg.stream, 'COMPLETE', now)];
        return [
          airbyteError(
            msg.error?.message ?? `${msg.stream} stopped before its end`,
            msg.error?.failureType ?? 'system',
            msg.stream
          ),
          status(msg.stream, 'INCOMPLETE', now),
        ];
      case 'estimate':
        return [
          {
            type: 'TRACE',
            trace: {
              type: 'ESTIMATE',
              emitted_at: now,
              estimate: { name: msg.stream, type: 'STREAM', row_estimate: msg.records },
            },
          },
        ];
      case 'log':
        return [airbyteLog(msg.level, msg.message)];
    }
  }

  /** incident.io said 429: every stream still reading waits until `ms` from now. */
  rateLimited(ms: number): AirbyteMessage[] {
    const now = Date.now();
    return [...this.running].map((stream) => ({
      type: 'TRACE',
      trace: {
        type: 'STREAM_STATUS',
        emitted_at: now,
        stream_status: {
          stream_descriptor: { name: stream },
          status: 'RUNNING',
          reasons: [{ type: 'RATE_LIMITED', rate_limited: { quota_reset: now + Math.round(ms) } }],
        },
      },
    }));
  }
}

function status(stream: string, value: string, now: number): AirbyteMessage {
  return {
    type: 'TRACE',
    trace: {
      type: 'STREAM_STATUS',
      emitted_at: now,
      stream_status: { stream_descriptor: { name: stream }, status: value },
    },
  };
}
