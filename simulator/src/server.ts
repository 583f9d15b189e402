// The HTTP side: one pipeline per API request (auth → bucket → route → fault → role → validation →
// handler → delivery), plus the unauthenticated loopback admin routes under /_sim/.
import http, { type IncomingMessage, type ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import { endpointLimitsFor, KEY_BUCKET, TokenBuckets, type BucketOptions, type TakeResult } from './bucket';
import { errorBody, invalidAuth, missingAuth, SimHttpError } from './errors';
import { FaultBook, type FaultSpec } from './faults';
import { hashString, mix, mulberry32 } from './ids';
import { IncidentStore } from './incidents';
import { LiveRuleError, reportUnexpected, type LiveRuleId, type LiveRuleViolation } from './live-rules';
import { SimDb, type SimCounts, type SimSize } from './resources/db';
import { DEFAULT_ROLES, KeyRing, defaultApiKey, type SimKey } from './keys';
import { parseQuery } from './query';
import { htmlPage, json, malformed, write, type Delivery, type Outgoing } from './respond';
import { WebhookSender } from './webhooks';
import { ENDPOINTS } from './routes';
import type { Endpoint, KeyRecord } from './routes/types';
import { loadSpec, type FieldError, type RouteMatch, type Spec } from './spec';

export interface SimulatorOptions {
  port?: number;
  seed?: number;
  incidents?: number;
  /**
   * How much of every other resource to seed: 'small' for fast tests, 'default' (the default) for
   * demos; `counts` overrides single numbers (resources/db.ts SIZES).
   */
  size?: SimSize;
  counts?: Partial<SimCounts>;
  /** The key's bucket (default incident.io's 1,200/min); the documented route limits scale with it. */
  bucket?: BucketOptions | false;
  /**
   * Tighter buckets per key on some routes (template, e.g. "GET /v2/alerts"), over the documented ones
   * (GET /v2/incidents and POST /v2/escalations: 60/min at the default key bucket).
   */
  endpointLimits?: Record<string, BucketOptions>;
  /** A limit shared by every key of the organisation. */
  orgBucket?: BucketOptions;
  /** Added before every answer: fixed, or drawn uniformly from [min, max] (seeded). */
  latencyMs?: number | { min: number; max: number };
  /** With a fixed latencyMs: each request's is drawn from latencyMs × (1 ± jitter), e.g. 0.2. */
  jitter?: number;
  keys?: SimKey[];
  retryAfterFormat?: 'seconds' | 'http-date';
  validateRequests?: boolean;
  /**
   * Requests the live API refuses that this simulator's test sends on purpose (rule ids, or true for
   * every rule): still answered 422 and counted in stats, but not reported as unexpected (the test
   * suite fails a test file whose simulators saw an undeclared one).
   */
  expectLiveRuleViolations?: boolean | LiveRuleId[];
}

export interface SimStats {
  requests: number;
  byStatus: Record<string, number>;
  byRoute: Record<string, number>;
  invalidRequests: Array<{ route: string; errors: string[] }>;
  /** Requests the evidence says the live API refuses (live-rules.ts), apart from spec errors. */
  liveRuleViolations: LiveRuleViolation[];
  /** Records created by write routes, by kind (idempotent replays are not counted). */
  created: { incidents: number; [kind: string]: number };
}

interface FaultContext {
  req: IncomingMessage;
  found: RouteMatch;
  key: KeyRecord;
  ex: Exchange;
  take: TakeResult;
  /** The request's pagination cursor ('' when none). */
  after: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

const emptyStats = (): SimStats => ({
  requests: 0,
  byStatus: {},
  byRoute: {},
  invalidRequests: [],
  liveRuleViolations: [],
  created: { incidents: 0 },
});

/** Where a request is in the pipeline: what the stats and the error path need to know. */
interface Exchange {
  route: string;
  rateLimit: Record<string, string>;
  delivery: Delivery;
  /** Body-level faults applied after the handler. */
  transform?: (out: Outgoing) => Outgoing;
}

export class SimulatorServer {
  readonly spec: Spec = loadSpec();
  readonly store: IncidentStore;
  readonly keys: KeyRing;
  private dbInstance?: SimDb;
  private readonly dbArgs: [number, SimSize, Partial<SimCounts>];
  readonly faults = new FaultBook();
  /** Signed deliveries to a registered webhook endpoint (webhooks.ts). */
  readonly webhooks: WebhookSender;
  readonly apiKey: string;
  private readonly buckets: TokenBuckets;
  private readonly endpoints = new Map<string, Endpoint>(ENDPOINTS.map((e) => [e.route, e]));
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly latency: () => number;
  private readonly retryAfterFormat: 'seconds' | 'http-date';
  private readonly validateRequests: boolean;
  private readonly expectedViolations: boolean | LiveRuleId[];
  private readonly server: http.Server;
  private counters: SimStats = emptyStats();
  private closing?: Promise<void>;

  constructor(opts: SimulatorOptions = {}) {
    const seed = opts.seed ?? 1;
    this.store = new IncidentStore(seed, opts.incidents ?? 1500);
    this.webhooks = new WebhookSender(this.store);
    this.dbArgs = [seed, opts.size ?? 'default', opts.counts ?? {}];
    const keyBucket = opts.bucket ?? KEY_BUCKET;
    this.buckets = new TokenBuckets({
      key: keyBucket,
      // The documented endpoint limits apply whenever the API is rate limited at all.
      endpoints: keyBucket
        ? { ...endpointLimitsFor(keyBucket), ...opts.endpointLimits }
        : opts.endpointLimits,
      org: opts.orgBucket,
    });
    this.latency = latencyFn(opts.latencyMs, opts.jitter, seed);
    this.retryAfterFormat = opts.retryAfterFormat ?? 'seconds';
    this.validateRequests = opts.validateRequests ?? true;
    this.expectedViolations = opts.expectLiveRuleViolations ?? false;
    this.keys = new KeyRing(this.spec);
    this.apiKey = defaultApiKey(seed);
    this.keys.add({ key: this.apiKey, name: 'Simulator default key', roles: DEFAULT_ROLES });
    for (const k of opts.keys ?? []) this.keys.add(k);
    for (const e of ENDPOINTS) {
      const [method, template] = e.route.split(' ');
      if (!this.spec.operation(method, template)) throw new Error(`endpoint ${e.route} is not in the spec`);
    }
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
  }

  /** Every resource besides incidents; seeded on first use (tests that only read incidents never pay). */
  get db(): SimDb {
    const [seed, size, counts] = this.dbArgs;
    this.dbInstance ??= new SimDb(seed, this.store, size, counts);
    return this.dbInstance;
  }

  listen(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`);
      });
    });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      this.webhooks.close();
      this.server.close(() => resolve());
      // Idle keep-alive sockets, hanging and trickling responses: none may keep the process alive.
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  expectedCounts(): Record<string, number> {
    return this.db.expectedCounts();
  }

  stats(): SimStats {
    return structuredClone(this.counters);
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/_sim/')) return this.admin(req, res, url);
    this.counters.requests++;
    const ex: Exchange = { route: `${req.method} ${url.pathname}`, rateLimit: {}, delivery: 'normal' };
    let out: Outgoing | undefined;
    try {
      const raw = await readBody(req);
      await this.sleep(this.latency());
      out = this.pipeline(req, url, raw, ex);
    } catch (e) {
      if (e instanceof LiveRuleError) this.violation({ route: ex.route, rule: e.rule, detail: e.message });
      const err =
        e instanceof SimHttpError
          ? e
          : SimHttpError.one(500, 'api_error', 'internal_error', `Simulator error: ${(e as Error).message}`);
      out = json(err.status, err.body());
    }
    if (!out) return; // the request was reset or left hanging on purpose
    if (ex.transform) out = ex.transform(out);
    out.headers = { ...ex.rateLimit, ...out.headers };
    this.count(ex.route, String(out.status));
    write(res, out, ex.delivery, this.timers);
  }

  /** Returns the response to send, or undefined when a fault already dealt with the socket. */
  private pipeline(req: IncomingMessage, url: URL, raw: string, ex: Exchange): Outgoing | undefined {
    const method = req.method ?? 'GET';
    // Matched first so that even 401s and 429s are counted under the templated route.
    const found = this.spec.match(method, url.pathname);
    if (found && 'route' in found) ex.route = found.route;
    const routeEndpoint = found && 'route' in found ? this.endpoints.get(found.route) : undefined;
    const bySourceToken = routeEndpoint?.auth === 'alert_source_token';
    const key = bySourceToken
      ? this.authenticateAlertSource(req, url, (found as RouteMatch).params)
      : this.authenticate(req);
    const take = this.buckets.take(key.key, ex.route);
    ex.rateLimit = take.headers;
    if (!take.ok) return this.tooManyRequests(take.limit, take.waitMs, this.retryAfterFormat);

    if (!found) throw SimHttpError.notFound(`No route matches ${method} ${url.pathname}`);
    if ('methodNotAllowed' in found) {
      throw SimHttpError.one(
        405,
        'method_not_allowed',
        'method_not_allowed',
        `${method} is not allowed here`
      );
    }
    const endpoint = this.endpoints.get(found.route);
    if (!endpoint)
      throw SimHttpError.notFound(`${found.route} is in the spec but not implemented by the simulator`);

    const { query, conflicts } = parseQuery(url.search);
    const fault = this.faults.take(found.route, query.after !== undefined);
    if (fault) {
      const after = typeof query.after === 'string' ? query.after : '';
      const early = this.applyFault(fault, { req, found, key, ex, take, after });
      if (early !== 'continue') return early;
    }
    if (this.faults.isForbidden(found.route))
      throw forbiddenError(found, 'this route was forbidden by a fault');
    if (!bySourceToken) authorize(endpoint, key, found);

    let body: unknown;
    if (found.operation.requestBody && raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        throw SimHttpError.one(
          400,
          'invalid_request_error',
          'invalid_json',
          'The request body is not valid JSON'
        );
      }
    }
    // Validation always runs (it also coerces the query and fills spec defaults); failures are always
    // recorded, and rejected only when validateRequests is on.
    const errors: FieldError[] = conflicts.map((c) => ({
      field: c,
      code: 'invalid_value',
      message: 'mixes the plain and the bracket form',
    }));
    errors.push(...this.spec.validatePath(found), ...this.spec.validateQuery(found, query));
    if (found.operation.requestBody?.required && body === undefined) {
      errors.push({ field: '', code: 'is_required', message: 'A JSON request body is required' });
    } else if (body !== undefined) {
      errors.push(...this.spec.validateBody(found, body));
    }
    if (errors.length > 0) {
      this.counters.invalidRequests.push({
        route: found.route,
        errors: errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)),
      });
      if (this.validateRequests) throw SimHttpError.validation(errors);
    }
    const q = query as Record<string, unknown>;
    const server = this;
    const result = endpoint.handle({
      key,
      params: found.params,
      query: q,
      body,
      store: this.store,
      // Lazy: routes that never touch other resources (identity, incidents) never seed them.
      get db() {
        return server.db;
      },
      created: (kind) => {
        this.counters.created[kind] = (this.counters.created[kind] ?? 0) + 1;
      },
    });
    const status = successStatus(found);
    this.webhooks.afterWrite(found.route, result);
    return status === 204
      ? { status, headers: {}, body: '', contentType: 'text/plain' }
      : json(status, result);
  }

  /**
   * Alert events authenticate with the alert source's secret token: `Authorization: Bearer <token>`,
   * Basic with the token as the password (or the whole credential), or `?token=`. The token stands in
   * for the key (its own bucket, no roles).
   */
  private authenticateAlertSource(req: IncomingMessage, url: URL, params: Record<string, string>): KeyRecord {
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const basic = /^Basic\s+(\S+)\s*$/i.exec(header)?.[1];
    let token = bearer ?? url.searchParams.get('token') ?? undefined;
    if (basic && token === undefined) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      token = decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : decoded;
    }
    if (!token) throw missingAuth();
    const source = this.db.alert_sources.get(params.alert_source_config_id ?? '');
    if (!source || source.secret_token === undefined || source.secret_token !== token) throw invalidAuth();
    return { key: `alert-source:${source.id}`, id: source.id, name: source.name, roles: [], teamRoles: [] };
  }

  private authenticate(req: IncomingMessage): KeyRecord {
    const header = req.headers.authorization;
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw missingAuth();
    const key = this.keys.get(m[1]);
    if (!key) throw invalidAuth();
    return key;
  }

  /**
   * Acts out a fault. Returns a response to send instead of the real one, undefined when the socket was
   * dealt with, or 'continue' when the fault only changes how the real response is delivered.
   */
  private applyFault(
    f: FaultSpec,
    { req, found, key, ex, take, after }: FaultContext
  ): Outgoing | undefined | 'continue' {
    switch (f.kind) {
      case '429':
        return this.tooManyRequests(
          Number.isFinite(take.limit) ? take.limit : 1200,
          (f.retryAfterSeconds ?? 1) * 1000,
          f.retryAfter ?? this.retryAfterFormat
        );
      case '500':
      case '502':
      case '503':
      case '504': {
        const status = Number(f.kind);
        return json(
          status,
          errorBody(status, 'api_error', [{ code: 'internal_error', message: SERVER_ERRORS[status] }])
        );
      }
      case 'reset':
        this.count(ex.route, 'reset');
        req.socket.resetAndDestroy();
        return undefined;
      case 'hang':
        // Nothing is sent; the client gives up, or close() destroys the socket.
        this.count(ex.route, 'hang');
        return undefined;
      case 'foreign_cursor':
        throw SimHttpError.notFound(`No incident found for the after cursor ${after}`);
      case 'revoke_key':
        this.keys.revoke(key.key);
        throw invalidAuth();
      case 'forbid':
        this.faults.forbid(found.route);
        throw forbiddenError(found, 'this route was forbidden by a fault');
      case 'trickle':
      case 'truncate':
        ex.delivery = f.kind;
        return 'continue';
      case 'malformed_json':
        ex.transform = malformed;
        return 'continue';
      case 'html':
        ex.transform = htmlPage;
        return 'continue';
      case 'repeat_cursor':
        // The next page's cursor is the one just sent: a client that trusts it loops forever.
        ex.transform = (out) => {
          const body = JSON.parse(out.body) as { pagination_meta?: { after?: string } };
          if (out.status !== 200 || !body.pagination_meta) return out;
          body.pagination_meta.after = after;
          return { ...out, body: JSON.stringify(body) };
        };
        return 'continue';
    }
  }

  private tooManyRequests(
    limit: number,
    waitMs: number,
    format: 'seconds' | 'http-date' | 'none' | 'no-hint'
  ): Outgoing {
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    // Whole seconds, rounded up, so a client waiting until the date never comes back too early.
    const at = new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000);
    const headers: Record<string, string> = {};
    if (format === 'seconds') headers['Retry-After'] = String(seconds);
    if (format === 'http-date') headers['Retry-After'] = at.toUTCString();
    const body = {
      ...errorBody(429, 'too_many_requests', [
        {
          code: 'too_many_requests',
          message:
            'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
        },
      ]),
      // 'no-hint': a 429 that says nothing about when to come back (a proxy's, or a future API's).
      ...(format === 'no-hint'
        ? {}
        : {
            rate_limit: {
              name: 'api_key',
              limit,
              remaining: 0,
              retry_after: at.toISOString().replace('.000Z', 'Z'),
            },
          }),
    };
    return json(429, body, headers);
  }

  private violation(v: LiveRuleViolation): void {
    this.counters.liveRuleViolations.push(v);
    const expected = this.expectedViolations;
    if (expected === true || (Array.isArray(expected) && expected.includes(v.rule))) return;
    reportUnexpected(v);
  }

  private count(route: string, status: string): void {
    this.counters.byStatus[status] = (this.counters.byStatus[status] ?? 0) + 1;
    this.counters.byRoute[route] = (this.counters.byRoute[route] ?? 0) + 1;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  // Admin routes: no auth, loopback only, never counted. Used by tests running the simulator elsewhere.
  private async admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const reply = (status: number, body: unknown): void =>
      write(res, json(status, body), 'normal', this.timers);
    if (!LOOPBACK.has(req.socket.remoteAddress ?? ''))
      return reply(403, { error: 'admin routes are loopback only' });
    try {
      const raw = await readBody(req);
      const body = (raw.trim() === '' ? {} : JSON.parse(raw)) as Record<string, unknown>;
      const route = `${req.method} ${url.pathname}`;
      switch (route) {
        case 'GET /_sim/stats':
          return reply(200, this.stats());
        case 'POST /_sim/reset-stats':
          this.resetStats();
          return reply(200, { ok: true });
        case 'POST /_sim/faults':
          this.faults.add(body);
          return reply(200, { ok: true });
        case 'DELETE /_sim/faults':
          this.faults.clear();
          return reply(200, { ok: true });
        case 'POST /_sim/touch':
          return reply(200, {
            ids:
              body.resource === undefined
                ? this.store.touch(Number(body.count ?? 0))
                : this.db.touch(String(body.resource) as never, Number(body.count ?? 0)),
          });
        case 'POST /_sim/place':
          return reply(200, {
            ids: this.db.placeAt(String(body.resource) as never, (body.at ?? []) as string[]),
          });
        case 'GET /_sim/expected-counts':
          return reply(200, this.expectedCounts());
        case 'POST /_sim/keys':
          this.keys.add(body as unknown as SimKey);
          return reply(200, { ok: true });
        case 'POST /_sim/revoke':
          this.keys.revoke(String(body.key));
          return reply(200, { ok: true });
        default:
          return reply(404, { error: `no admin route ${route}` });
      }
    } catch (e) {
      return reply(400, { error: (e as Error).message });
    }
  }
}

const SERVER_ERRORS: Record<number, string> = {
  500: 'Sorry, something went wrong on our end. Please try again.',
  502: 'Bad gateway: the upstream service returned an invalid response.',
  503: 'The service is temporarily unavailable. Please try again.',
  504: 'Gateway timeout: the upstream service did not respond in time.',
};

function successStatus(m: RouteMatch): number {
  const codes = Object.keys(m.operation.responses ?? {}).map(Number);
  return codes.find((c) => c >= 200 && c < 300) ?? 200;
}

function forbiddenError(m: RouteMatch, why: string): SimHttpError {
  const scope = m.operation['x-rbac-scopes']?.join(', ');
  return SimHttpError.one(
    403,
    'resource_forbidden',
    'missing_required_scope',
    scope ? `This API key is missing the required scope ${scope}: ${why}` : `Access forbidden: ${why}`
  );
}

/** Identity needs a valid key only; reads need some account role; writes name the roles that grant them. */
function authorize(e: Endpoint, key: KeyRecord, m: RouteMatch): void {
  if (e.roles === 'none') return;
  if (key.roles.length === 0) throw forbiddenError(m, 'the key has no account-level role');
  if (e.roles === 'any' || e.roles.some((r) => key.roles.includes(r))) return;
  throw forbiddenError(m, `grant the key one of the roles ${e.roles.join(', ')}`);
}

/** The latency of each request (ms): none, fixed, or drawn from a range (with jitter, around a fixed one). */
export function latencyFn(
  opt: SimulatorOptions['latencyMs'],
  jitter: number | undefined,
  seed: number
): () => number {
  if (opt === undefined) return () => 0;
  if (jitter !== undefined && !(jitter >= 0 && jitter <= 1)) throw new RangeError('jitter must be in [0, 1]');
  const range =
    typeof opt === 'number' ? { min: opt * (1 - (jitter ?? 0)), max: opt * (1 + (jitter ?? 0)) } : opt;
  if (!(range.min >= 0 && range.max >= range.min)) throw new RangeError('latencyMs needs 0 <= min <= max');
  if (range.min === range.max) return () => range.min;
  const rng = mulberry32(mix(seed, hashString('latency')));
  return () => range.min + rng() * (range.max - range.min);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () =>
      size > MAX_BODY_BYTES
        ? reject(
            SimHttpError.one(413, 'payload_too_large', 'payload_too_large', 'The request body is too large')
          )
        : resolve(Buffer.concat(chunks).toString('utf8'))
    );
    req.on('error', reject);
  });
}
