// The runtime-facing types: what a Nexla-style runtime sees of this plugin (DESIGN.md §3).
import type { LimiterRegistry } from './http/limiter';
import type { FieldProblem } from './errors';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface HttpOptions {
  /** Per-attempt deadline in ms (default 30 s). */
  timeoutMs?: number;
  /** Deadline of the authenticate() probe (default 10 s). */
  probeTimeoutMs?: number;
  /** Largest response body accepted, decompressed (default 50 MB). */
  maxContentLength?: number;
  /** Retries after the first attempt (default 8). */
  maxRetries?: number;
  /** Base of the exponential backoff for 5xx/timeouts/resets (default 500 ms). */
  backoffBaseMs?: number;
  /** Cap of a single backoff wait (default 60 s). */
  backoffMaxMs?: number;
  /**
   * Refuse every request but GET before it is queued or sent (a `config` error, code "read_only"): for
   * runs that must never change anything in incident.io, such as the smoke test.
   */
  readOnly?: boolean;
  /** Told of every attempt as it is sent (retries included), e.g. to count requests. */
  onRequest?: (request: { method: string; route: string }) => void;
  /** Told of every attempt's answer (retries included), e.g. for a verbose log; never the key. */
  onResponse?: (response: AttemptOutcome) => void;
}

/** One HTTP attempt as the client saw it: `status` when incident.io answered, else `error` (a code). */
export interface AttemptOutcome {
  method: string;
  /** The route template, e.g. "GET /v2/incidents/{id}": no ids, no query. */
  route: string;
  status?: number;
  error?: string;
  /** From sending to the whole answer, without the limiter's wait. */
  ms: number;
  requestId?: string;
}

export interface RateLimitOptions {
  /** Bucket size of incident.io's token bucket for one key (default 1200). */
  burst?: number;
  /** Refill per second of that bucket (default 20). */
  refillPerSecond?: number;
  /**
   * Share of the budget this process may use, 0 < share <= 1 (default 1: the whole bucket; the
   * X-RateLimit-Remaining corrections still leave other clients of the key what they use).
   */
  share?: number;
  /**
   * Requests in flight per key at most (default 48, or the credential's max_in_flight). Below it, the
   * number in flight follows the tokens available, the refill rate and the measured round trip.
   */
  maxConcurrent?: number;
  /**
   * Redis mode: every process with the same `redis.url` shares one limiter per key (its bucket,
   * learned endpoint limits and 429 pause). `share` is then the share of the key all of them use.
   */
  redis?: RedisRateLimitOptions;
}

export interface RedisRateLimitOptions {
  /** redis://[[user]:password@]host[:port][/db] or rediss:// (Redis 5 or later). */
  url: string;
  /**
   * Redis unreachable when the limiter first needs it: 'fail' (default) fails every request with a
   * ConnectorError (code redis_unavailable); 'local' warns and limits this process alone at
   * `localShare`. Redis lost mid-run always means limiting alone at `localShare` until it is back.
   */
  onUnavailable?: 'fail' | 'local';
  /** Share of the key's budget one process uses while it limits itself alone; at most 1/workers (default 0.25). */
  localShare?: number;
  /** How long a crashed worker's request still counts as in flight (ms, default 65 000); above the HTTP deadline. */
  jobExpirationMs?: number;
  /** How long the first use waits for Redis (ms, default 2000). */
  connectTimeoutMs?: number;
  /** A Redis command without an answer after this long counts as Redis lost (ms, default 1000). */
  commandTimeoutMs?: number;
}

/** Injected by the runtime; every field is optional and defaults to something safe. */
export interface ConnectorContext {
  logger?: Logger;
  limiters?: LimiterRegistry;
  clock?: Clock;
  http?: HttpOptions;
  rateLimit?: RateLimitOptions;
  signal?: AbortSignal;
  /** The connector's own user agent suffix, e.g. the runtime's name. */
  userAgent?: string;
}

export interface Credential {
  api_key: string;
  base_url: string;
  /** Requests in flight on this key at most (default 48). */
  max_in_flight?: number;
}

export interface Identity {
  name: string;
  roles: string[];
  teamRoles: string[];
  teams: Array<{ id: string; name: string }>;
  dashboardUrl: string;
}

export type ProbeFailure = 'invalid_key' | 'forbidden' | 'unreachable' | 'rate_limited' | 'config';

export type ProbeResult =
  | { ok: true; identity: Identity; warnings: string[] }
  | {
      ok: false;
      failure: ProbeFailure;
      message: string;
      retryable: boolean;
      requestId?: string;
      retryAfterMs?: number;
      problems?: FieldProblem[];
    };

export interface ProbeOptions {
  /** What the credential is about to be used for, so the probe can warn about missing roles. */
  destination?: { action: string };
  source?: { streams?: string[] };
}

export type SyncMode = 'full_refresh' | 'incremental';

export interface StreamDescriptor {
  name: string;
  description: string;
  jsonSchema: Record<string, unknown>;
  primaryKey: string[][];
  cursorField?: string[];
  supportedSyncModes: SyncMode[];
  /** Set when this key cannot read the stream (from its roles); the reason says which role it needs. */
  unavailable?: { reason: string };
}

export type StreamState = Record<string, unknown>;

export interface StreamRequest {
  name: string;
  syncMode?: SyncMode;
}

export interface ReadRequest {
  streams: Array<string | StreamRequest>;
  /** Per-stream state as emitted by an earlier read (the `state` of the last state message per stream). */
  state?: Record<string, StreamState>;
  signal?: AbortSignal;
  /** Stop after this many records per stream (for previews); state is still emitted. */
  limit?: number;
}

export type SourceMessage =
  | { type: 'record'; stream: string; data: Record<string, unknown> }
  | { type: 'state'; stream: string; state: StreamState }
  | {
      type: 'stream_status';
      stream: string;
      status: 'started' | 'complete' | 'incomplete';
      records?: number;
      pages?: number;
      /** Parents whose children could not be read because the parent was deleted meanwhile (404). */
      skipped?: number;
      error?: { failureType: string; message: string; requestId?: string };
    }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  /** How many records this read of the stream will emit, when incident.io tells (a list's total). */
  | { type: 'estimate'; stream: string; records: number };

export interface SourceAdapter {
  discover(): Promise<StreamDescriptor[]>;
  read(request: ReadRequest): AsyncIterable<SourceMessage>;
  sample?(stream: string, n: number): Promise<Record<string, unknown>[]>;
}

export type WriteOutcome =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'existing'
  /** Dry runs: what a real run would have done (nothing was sent). */
  | 'would_create'
  | 'would_update';

/** What a dry run would have sent for one record (never a secret: tokens travel in headers). */
export interface PlannedRequest {
  method: string;
  path: string;
  body?: unknown;
}

export type WriteResult =
  | {
      type: 'result';
      index: number;
      status: 'ok';
      /** The incident.io id; absent when a dry run would create the object (it has none yet). */
      id?: string;
      outcome: WriteOutcome;
      /** Set in a dry run: nothing was sent; `request` is what would have been (absent: nothing to do). */
      dryRun?: true;
      request?: PlannedRequest;
    }
  | { type: 'result'; index: number; status: 'rejected'; problems: FieldProblem[]; message: string }
  | {
      type: 'result';
      index: number;
      status: 'failed';
      message: string;
      failureType: string;
      httpStatus?: number;
      code?: string;
      requestId?: string;
    };

export interface WriteOptions {
  signal?: AbortSignal;
  dryRun?: boolean;
}

export interface DestinationAdapter {
  write(records: AsyncIterable<unknown> | Iterable<unknown>, opts?: WriteOptions): AsyncIterable<WriteResult>;
}

export interface ManifestStream {
  name: string;
  schema: string;
  primaryKey: string[][];
  cursorField?: string[];
  syncModes: SyncMode[];
}

export interface ManifestAction {
  name: string;
  description?: string;
  input: string;
  /** Account roles any one of which allows the action. */
  roles?: string[];
  idempotency: string;
}

export interface ConnectorManifest {
  id: string;
  name: string;
  description?: string;
  /** Logo file relative to the package root, for the runtime's connector tile. */
  logo?: string;
  version: string;
  entry: string;
  credentialTypes: Array<{ id: string; schema: string }>;
  source: { configSchema: string; streams: ManifestStream[] };
  destination: { configSchema: string; actions: ManifestAction[] };
  rateLimits: Record<string, unknown>;
  allowedHosts: string[];
  [key: string]: unknown;
}

export interface ConnectorPlugin {
  manifest: ConnectorManifest;
  validateCredential(input: unknown): Credential;
  authenticate(credential: Credential, ctx?: ConnectorContext, opts?: ProbeOptions): Promise<ProbeResult>;
  createSource(credential: Credential, config: unknown, ctx?: ConnectorContext): SourceAdapter;
  createDestination(credential: Credential, config: unknown, ctx?: ConnectorContext): DestinationAdapter;
}
