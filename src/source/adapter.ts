// The source adapter a runtime drives: discover, read (records, a state after every page, a status per
// stream) and sample. A stream that fails ends with an `incomplete` status; the others still run.
import type {
  ConnectorContext,
  Credential,
  ReadRequest,
  SourceAdapter,
  SourceMessage,
  StreamDescriptor,
  StreamRequest,
  SyncMode,
} from '../contract';
import { CancelledError, ConfigError, ConnectorError, toConnectorError } from '../errors';
import { IncidentIoClient } from '../http/client';
import { loadSchema } from '../validation';
import { SourceConfig, validateSourceConfig } from './config';
import { withNamedCustomFields } from './custom-fields';
import { childPages, readStream } from './read-stream';
import type { StreamDefinition } from './streams/types';
import { mergeConcurrent } from '../util/merge';
import { runSignal } from '../util/signals';
import { findStream, STREAMS } from './streams';
import { checkStates } from './state-check';
import { nestingDepth } from '../util/nesting';
import { readRolesOf } from '../roles';
import { inFlightBytes } from '../http/in-flight-target';

/** The limiter's name for a stream's list requests. */
const routeOf = (def: StreamDefinition): string => `GET ${def.path}`;

interface IdentityBody {
  identity: { roles: string[]; team_roles?: string[] };
}

export class IncidentIoSource implements SourceAdapter {
  private readonly config: SourceConfig;
  private readonly client: IncidentIoClient;
  /** Streams reading right now: they share the key's budget, so each takes a part of it. */
  private readonly reading = new Set<StreamDefinition>();
  /** Streams a read asks for at once (at most stream_concurrency), for planning partitions. */
  private streamsAtOnce = 1;

  constructor(
    credential: Credential,
    config: unknown,
    private readonly ctx: ConnectorContext = {}
  ) {
    this.config = validateSourceConfig(config);
    this.client = new IncidentIoClient(credential, ctx);
  }

  get limiter() {
    return this.client.limiter;
  }

  async discover(): Promise<StreamDescriptor[]> {
    // Spec: GET /v1/identity — the key's roles say which streams it can read.
    const { data } = await this.client.get<IdentityBody>('/v1/identity');
    const roles = new Set([...(data.identity.roles ?? []), ...(data.identity.team_roles ?? [])]);
    return STREAMS.filter((s) => !this.config.streams || this.config.streams.includes(s.name)).map((s) => {
      const d: StreamDescriptor = {
        name: s.name,
        description: s.description,
        jsonSchema: loadSchema(`schemas/streams/${s.name}.json`),
        primaryKey: s.primaryKey,
        supportedSyncModes: s.syncModes,
        ...(s.cursorField ? { cursorField: [s.cursorField] } : {}),
      };
      const readRoles = readRolesOf(s);
      if (!readRoles.some((r) => roles.has(r))) {
        d.unavailable = {
          reason: `the key has none of the roles that can read ${s.name}: ${readRoles.join(', ')}`,
        };
      }
      return d;
    });
  }

  async *read(input: ReadRequest): AsyncGenerator<SourceMessage> {
    const wanted = this.resolveStreams(input.streams);
    const state = checkStates(
      wanted.map((w) => w.def.name),
      input.state,
      this.ctx.logger
    );
    const request: ReadRequest = { ...input, state };
    // Stopping early (a limit, a consumer that breaks) cancels the pages still in flight, so no
    // request outlives the read and none is retried after it.
    const stop = new AbortController();
    const outer = request.signal ?? this.ctx.signal;
    const signal = runSignal(outer, stop.signal)!;
    const shared: { authFailure?: ConnectorError } = {};
    this.streamsAtOnce = Math.max(1, Math.min(this.config.stream_concurrency ?? 16, wanted.length));
    const readers = wanted.map(
      ({ def, syncMode }) =>
        () =>
          this.readOne(def, syncMode, request, shared, signal)
    );
    try {
      // Several streams at once, all within the key's one limiter.
      yield* mergeConcurrent(readers, this.config.stream_concurrency ?? (() => this.streamsToRead()));
    } finally {
      stop.abort();
    }
  }

  private async *readOne(
    def: StreamDefinition,
    syncMode: SyncMode,
    request: ReadRequest,
    shared: { authFailure?: ConnectorError },
    signal?: AbortSignal
  ): AsyncGenerator<SourceMessage> {
    if (signal?.aborted) throw new CancelledError();
    // A revoked key fails every stream the same way: don't send requests that cannot succeed.
    if (shared.authFailure) {
      yield {
        type: 'stream_status',
        stream: def.name,
        status: 'incomplete',
        error: errorInfo(shared.authFailure),
      };
      return;
    }
    yield { type: 'stream_status', stream: def.name, status: 'started' };
    this.reading.add(def);
    let records = 0;
    let pages = 0;
    let skipped = 0;
    let total: number | undefined;
    let estimated = false;
    try {
      for await (const msg of readStream(def, this.client, {
        syncMode,
        state: request.state?.[def.name],
        config: this.config,
        limit: request.limit,
        signal,
        transform: this.transformFor(def),
        partitions: this.partitions(),
        workers: () => this.pageConcurrency(def),
        childConcurrency: () => this.pageConcurrency(def),
        inFlightBytes: () => this.inFlightBytes(),
        onPage: (p) => {
          pages = p;
        },
        onTotal: (n) => {
          total = n;
        },
        onSkippedParent: (id) => {
          skipped++;
          this.ctx.logger?.warn(`${def.name}: skipped the children of ${id}: it no longer exists (404)`);
        },
      })) {
        if (msg.type === 'record') {
          // Before anything serialises it: a record nested thousands of levels deep overflows the
          // stack of JSON.stringify (the runtime's, the CLI's). The stream stops before it, so the
          // state stays at the last complete page.
          if (nestingDepth(msg.data, this.config.max_depth) > this.config.max_depth) {
            throw new ConnectorError(
              'bad_record',
              `incident.io returned a record of ${def.name} (id ${String(msg.data.id ?? 'unknown')}) nested more than ` +
                `${this.config.max_depth} levels deep, more than this source handles (max_depth in the source ` +
                'config, at most 1000); the stream stopped before it, at the last complete page',
              { code: 'too_deep' }
            );
          }
          records++;
        }
        if (total !== undefined && !estimated) {
          estimated = true;
          const limited = request.limit === undefined ? total : Math.min(total, request.limit);
          yield { type: 'estimate', stream: def.name, records: limited };
        }
        yield msg;
      }
      yield {
        type: 'stream_status',
        stream: def.name,
        status: 'complete',
        records,
        pages,
        ...(skipped ? { skipped } : {}),
      };
    } catch (e) {
      const err = toConnectorError(e);
      if (err instanceof CancelledError) throw err;
      if (err.failureType === 'auth') shared.authFailure = err;
      this.ctx.logger?.error(`${def.name}: ${err.message}`);
      yield {
        type: 'stream_status',
        stream: def.name,
        status: 'incomplete',
        records,
        pages,
        error: errorInfo(err),
      };
    } finally {
      this.reading.delete(def);
    }
  }

  /**
   * Pages one stream requests at once: its part of the key's in-flight target (in-flight-target.ts),
   * unless the config fixes it. A stream whose route has a tighter limit of its own (incidents, 60 a
   * minute) takes that route's target, and the streams without one share the key's: a route waiting
   * for its own tokens never holds back the others.
   */
  private pageConcurrency(def: StreamDefinition): number {
    if (this.config.page_concurrency) return this.config.page_concurrency;
    const limiter = this.client.limiter;
    const own = routeOf(def);
    if (limiter.hasRouteLimit(own)) return Math.max(1, limiter.inFlightTarget(own));
    const free = [...this.reading].filter((d) => !limiter.hasRouteLimit(routeOf(d))).length;
    return Math.max(2, Math.ceil(limiter.inFlightTarget() / Math.max(1, free)));
  }

  /**
   * Streams read at once, unless the config fixes it: enough to keep the key's in-flight target busy
   * (a small stream keeps few requests in flight: a full bucket spent by three of them would sit
   * unspent while its refill is lost), never fewer than 3.
   */
  private streamsToRead(): number {
    return Math.max(3, Math.min(16, Math.ceil(this.client.limiter.inFlightTarget() / 4)));
  }

  /**
   * Response bodies one stream keeps in flight: its part of the key's bound (scaled with the cap and
   * the round trip), a third at most, so that a stream of heavy pages (incidents, over a megabyte each)
   * holds no more than 16 MiB at the default cap, even alone, and leaves requests in flight to the others.
   */
  private inFlightBytes(): number {
    const { maxInFlight, roundTripMs } = this.client.limiter;
    return Math.floor(inFlightBytes(maxInFlight, roundTripMs) / Math.max(3, this.reading.size));
  }

  /**
   * Time partitions of a backfill: the config's number, else enough for this stream's part of the
   * key's most requests in flight, so that the first second already has that many pages to ask for.
   */
  private partitions(): number {
    if (this.config.max_partitions) return this.config.max_partitions;
    return Math.max(4, Math.ceil(this.client.limiter.maxInFlight / this.streamsAtOnce));
  }

  private transformFor(def: StreamDefinition) {
    return def.namedCustomFields && this.config.custom_fields === 'named' ? withNamedCustomFields : undefined;
  }

  /**
   * The records of a stream's first page, as read() emits them, in the fewest requests: one page of a
   * top-level stream (the first time partition or incident mode); for a child stream, the first page
   * of the children of its parent's first record. For the smoke test: a failure throws.
   */
  async firstPage(stream: string, signal?: AbortSignal): Promise<Array<Record<string, unknown>>> {
    const [{ def }] = this.resolveStreams([stream]);
    const opts = {
      syncMode: 'full_refresh' as const,
      config: this.config,
      partitions: 1,
      signal: runSignal(signal, this.ctx.signal),
      transform: this.transformFor(def),
    };
    const firstPageOf = async (messages: AsyncGenerator<SourceMessage>) => {
      const records: Array<Record<string, unknown>> = [];
      for await (const msg of messages) {
        if (msg.type === 'record') records.push(msg.data);
        if (msg.type === 'state') break;
      }
      return records;
    };
    if (!def.parent) return firstPageOf(readStream(def, this.client, opts));
    const parentDef = findStream(def.parent.stream)!;
    const [parent] = await firstPageOf(
      readStream(parentDef, this.client, { ...opts, transform: undefined, limit: 1 })
    );
    if (!parent) return [];
    for await (const page of childPages(def, this.client, String(parent.id), opts)) return page;
    return [];
  }

  async sample(stream: string, n: number): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const msg of this.read({ streams: [{ name: stream, syncMode: 'full_refresh' }], limit: n })) {
      if (msg.type === 'record') out.push(msg.data);
      if (msg.type === 'stream_status' && msg.status === 'incomplete' && msg.error) {
        throw new ConnectorError(msg.error.failureType as ConnectorError['failureType'], msg.error.message, {
          requestId: msg.error.requestId,
        });
      }
    }
    return out;
  }

  close(): void {
    this.client.close();
  }

  private resolveStreams(requested: ReadRequest['streams']) {
    const list = requested.length > 0 ? requested : (this.config.streams ?? STREAMS.map((s) => s.name));
    const problems: Array<{ field: string; reason: string }> = [];
    const out = list.flatMap((r, i) => {
      const req: StreamRequest = typeof r === 'string' ? { name: r } : r;
      const def = findStream(req.name);
      if (!def) {
        problems.push({ field: `/streams/${i}`, reason: `"${req.name}" is not a stream of this source` });
        return [];
      }
      const syncMode =
        req.syncMode ?? (def.syncModes.includes('incremental') ? 'incremental' : 'full_refresh');
      if (!def.syncModes.includes(syncMode)) {
        problems.push({
          field: `/streams/${i}/syncMode`,
          reason: `${def.name} supports ${def.syncModes.join(', ')}`,
        });
      }
      return [{ def, syncMode }];
    });
    if (problems.length) throw new ConfigError('the read request', problems);
    return out;
  }
}

function errorInfo(err: ConnectorError) {
  return {
    failureType: err.failureType,
    message: err.message,
    ...(err.requestId ? { requestId: err.requestId } : {}),
  };
}
