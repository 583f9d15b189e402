// The runtime-facing types: what a Nexla-style runtime sees of this plugin (README "How a runtime
// loads the plugin"). The limiter's options and the logger live in leaf modules of their own, so the
// limiter can use them without importing this file back.
import type { LimiterRegistry } from './http/limiter';
import type { RateLimitOptions } from './http/rate-limit-options';
import type { Logger } from './logger';
import type { FieldProblem } from './errors';

export type { Logger } from './logger';
export type { RateLimitOptions, RedisRateLimitOptions } from './http/rate-limit-options';

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

/** Injected by the runtime; every field is optional and defaults to something safe. */
export interface ConnectorContext {
  logger?: Logger;
  limiters?: LimiterRegistry;
  http?: HttpOptions;
  rateLimit?: RateLimitOptions;
  signal?: AbortSignal;
  /** The connector's own user agent suffix, e.g. the runtime's name. */
  userAgent?: string;
}

export interface Credential {
  api_key: string;
  base_url: string;
  /** The webhook endpoint's signing secret (webhook source only); a secret like the key. */
  webhook_secret?: string;
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
  /** Releases the adapter's sockets once the runtime is done with it (the key's limiter stays). */
  close(): void;
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
  /** Releases the adapter's sockets once the runtime is done with it (the key's limiter stays). */
  close(): void;
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
  /**
   * The webhook source (config `webhooks`, credential `webhook_secret`): its read() serves the endpoint
   * (on the runtime's server when the request hands one, else on the configured port) until the signal
   * aborts, emitting records of the streams webhooks feed.
   */
  createWebhookSource?(credential: Credential, config: unknown, ctx?: ConnectorContext): WebhookSourceAdapter;
}

/** A read request of the webhook source. */
export interface WebhookReadRequest extends ReadRequest {
  /** A server the runtime owns: the source answers its requests (on the configured path). */
  server?: import('node:http').Server;
  /** Told the port once the source's own server listens. */
  onListening?: (port: number) => void;
}

export interface WebhookSourceAdapter {
  read(request: WebhookReadRequest): AsyncIterable<SourceMessage>;
  /** A request handler to mount on a server the runtime owns, instead of a read's own. */
  readonly handler: import('node:http').RequestListener;
  /** Records emitted by push and by the reconciliation poll, deliveries, duplicates, refusals. */
  status(): Record<string, unknown>;
  close(): void;
}
