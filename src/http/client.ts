// The HTTP boundary: one axios instance per credential, a per-attempt deadline, our own retry loop
// outside the limiter, and sanitized errors. Nothing axios throws ever leaves this file: an AxiosError
// carries the Authorization header in its config and request (axios keeps the request's headers on its errors).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Readable } from 'node:stream';
import axios, { AxiosInstance, AxiosResponse, isAxiosError } from 'axios';
import type { ConnectorContext, Credential, HttpOptions, Logger } from '../contract';
import { baseUrlProblem } from '../credential';
import {
  ApiError,
  ApiErrorDetail,
  CancelledError,
  ConfigError,
  ConnectorError,
  TransportError,
} from '../errors';
import { sleep } from '../util/clock';
import { KeyLimiter, processLimiterRegistry, type LimiterTicket } from './limiter';
import { LatencyTracker } from './latency';
import { readBody } from './body';
import { parseRetryAfter, retryAfterFromBody } from './rate-limit-headers';
import { describeForbidden } from './permissions';
import { classifyStatus } from './status';
import { permanentTransportProblem } from './transport-codes';
import { silentLogger } from '../logger';

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | Array<string | number> | undefined>;
  body?: unknown;
  /** Route label for learned limits and messages, e.g. "GET /v2/incidents". */
  route?: string;
  /** A POST that is safe to repeat (idempotency key, upsert). GET/PUT/DELETE always are. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Overrides for this call only (the probe uses a shorter deadline and no retries). */
  timeoutMs?: number;
  maxRetries?: number;
  /**
   * Replaces the API key's Authorization header for this call only: alert events authenticate with
   * the alert source's secret token (spec `POST /v2/alert_events/http/{alert_source_config_id}`). A secret: never put it in a message.
   */
  authorization?: string;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  requestId?: string;
  /** Length of the body as received (characters), for sizing how many pages to hold in flight. */
  bodyLength: number;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxContentLength: 50 * 1024 * 1024,
  maxRetries: 8,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
};

/** The package's own version, read once (the same path from src/http and from dist/http). */
const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }
).version;
export const USER_AGENT = `incident-io-connector/${PACKAGE_VERSION}`;

/** Encodes incident.io's bracket filters: {status_category: {one_of: [a,b]}} is passed pre-flattened. */
export function encodeQuery(query: RequestOptions['query']): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      parts.push(
        `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(String(item))}`
      );
    }
  }
  return parts.join('&');
}

export class IncidentIoClient {
  readonly limiter: KeyLimiter;
  private readonly axios: AxiosInstance;
  private readonly agent: http.Agent;
  private readonly opts: typeof DEFAULTS;
  private readonly readOnly: boolean;
  private readonly onRequest?: HttpOptions['onRequest'];
  private readonly onResponse?: HttpOptions['onResponse'];
  private readonly logger: Logger;
  private readonly signal?: AbortSignal;
  private readonly latency = new LatencyTracker();
  /** host[:port] of the base URL, for messages. */
  private readonly host: string;

  constructor(credential: Credential, ctx: ConnectorContext = {}) {
    // validateCredential() already refuses these; a caller that skipped it must not send the key in
    // clear text either.
    const urlProblem = baseUrlProblem(String(credential.base_url));
    if (urlProblem) throw new ConfigError('the credential', [{ field: '/base_url', reason: urlProblem }]);
    const { readOnly, onRequest, onResponse, ...tuning } = ctx.http ?? {};
    this.opts = { ...DEFAULTS, ...stripUndefined(tuning) };
    this.readOnly = readOnly === true;
    this.onRequest = onRequest;
    this.onResponse = onResponse;
    this.host = new URL(credential.base_url).host;
    this.logger = ctx.logger ?? silentLogger;
    this.signal = ctx.signal;
    const registry = ctx.limiters ?? processLimiterRegistry();
    // The credential's cap wins over the runtime's: it is set for this key.
    this.limiter = registry.forKey(credential.api_key, {
      ...ctx.rateLimit,
      ...(credential.max_in_flight !== undefined ? { maxConcurrent: credential.max_in_flight } : {}),
    });
    const isHttps = credential.base_url.startsWith('https:');
    const agentOpts = { keepAlive: true, maxSockets: 64, maxFreeSockets: 32, scheduling: 'lifo' as const };
    this.agent = isHttps ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
    this.axios = axios.create({
      baseURL: credential.base_url,
      headers: {
        Authorization: `Bearer ${credential.api_key}`,
        Accept: 'application/json',
        'User-Agent': ctx.userAgent ? `${USER_AGENT} ${ctx.userAgent}` : USER_AGENT,
      },
      // Never follow a redirect: it could carry the Authorization header to another origin.
      maxRedirects: 0,
      // Nor take a path for a URL: an absolute one ("https://elsewhere/…", "//elsewhere/…") would
      // send the key there too. Every request goes to the credential's base URL.
      allowAbsoluteUrls: false,
      maxContentLength: this.opts.maxContentLength,
      maxBodyLength: this.opts.maxContentLength,
      // The body comes as a stream that readBody() collects (body.ts says why); we parse JSON
      // ourselves so that an HTML page or a cut body is a clear error, not a string.
      responseType: 'stream',
      validateStatus: () => true,
      httpAgent: isHttps ? undefined : this.agent,
      httpsAgent: isHttps ? this.agent : undefined,
      proxy: false,
    });
  }

  async get<T>(path: string, query?: RequestOptions['query'], extra: Partial<RequestOptions> = {}) {
    return this.request<T>({ method: 'GET', path, query, ...extra });
  }

  async request<T>(req: RequestOptions): Promise<ApiResponse<T>> {
    const route = req.route ?? `${req.method} ${req.path}`;
    if (this.readOnly && req.method !== 'GET') {
      throw new ConnectorError(
        'config',
        `this run is read-only: ${req.method} ${req.path} was refused before it was sent`,
        { code: 'read_only' }
      );
    }
    const maxRetries = req.maxRetries ?? this.opts.maxRetries;
    const signal = combineSignals(this.signal, req.signal);
    const safeToRepeat = req.method !== 'POST' || req.idempotent === true;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new CancelledError();
      let response: AxiosResponse<string>;
      const ticket: LimiterTicket = {};
      let sentAt: number | undefined;
      // Each attempt that was sent, as it ended (for -v): never the key, which sits in a header.
      const outcome = (o: { status?: number; error?: string; requestId?: string }) => {
        if (sentAt !== undefined)
          this.onResponse?.({ method: req.method, route, ms: Date.now() - sentAt, ...o });
      };
      try {
        response = await this.limiter.run(
          route,
          () => {
            sentAt = Date.now();
            return this.send(req, route, signal);
          },
          signal,
          ticket
        );
      } catch (e) {
        const err = this.transportError(e, req, signal);
        outcome({ error: err.code ?? err.failureType });
        // A refused connection never reached the server, so even a plain POST may be sent again.
        const canRepeat = safeToRepeat || err.code === 'ECONNREFUSED';
        if (!err.retryable || !canRepeat || attempt >= maxRetries) throw err;
        const wait = this.backoff(attempt);
        this.logger.warn(`${route}: ${err.message}; retrying in ${wait} ms (attempt ${attempt + 1})`);
        await sleep(wait, signal);
        continue;
      }
      this.limiter.observe(route, response.headers as Record<string, unknown>, ticket);
      const status = response.status;
      if (status >= 200 && status < 300) {
        outcome({ status, requestId: headerValue(response, 'x-request-id') });
        return {
          status,
          data: this.parseBody<T>(response, req),
          requestId: headerValue(response, 'x-request-id'),
          bodyLength: typeof response.data === 'string' ? response.data.length : 0,
        };
      }
      const body = tryParse(response.data);
      const err = this.apiError(status, body, response, req);
      outcome({ status, requestId: err.requestId });
      if (status === 429) {
        const wait = err.retryAfterMs ?? this.backoff(attempt);
        this.limiter.pause(wait);
        if (attempt >= maxRetries) throw err;
        this.logger.warn(`${route}: rate limited by incident.io; every request on this key waits ${wait} ms`);
        continue; // the loop waits on the key's pause before the next attempt
      }
      if (err.retryable && safeToRepeat && attempt < maxRetries) {
        const wait = this.backoff(attempt);
        this.logger.warn(`${route}: ${err.message}; retrying in ${wait} ms (attempt ${attempt + 1})`);
        await sleep(wait, signal);
        continue;
      }
      throw err;
    }
  }

  /** Releases sockets (the limiter stays: it belongs to the key, not to this client). */
  close(): void {
    this.agent.destroy();
  }

  /** Typical round-trip time of recent requests (ms), for sizing concurrency to latency. */
  get latencyMs(): number | undefined {
    return this.latency.typicalMs;
  }

  private async send(
    req: RequestOptions,
    route: string,
    signal?: AbortSignal
  ): Promise<AxiosResponse<string>> {
    // The attempt's deadline is a plain timer, not AbortSignal.timeout(): on Node 20, a timeout signal
    // inside AbortSignal.any() can be garbage-collected before it fires, and an answer that never
    // comes (or trickles) then holds the attempt, and the run, forever.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), req.timeoutMs ?? this.opts.timeoutMs);
    const qs = encodeQuery(req.query);
    this.onRequest?.({ method: req.method, route });
    const started = Date.now();
    try {
      const response = await this.axios.request<Readable>({
        method: req.method,
        url: qs ? `${req.path}?${qs}` : req.path,
        data: req.body === undefined ? undefined : JSON.stringify(req.body),
        headers: {
          ...(req.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(req.authorization === undefined ? {} : { Authorization: req.authorization }),
        },
        signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal,
      });
      // Inside the deadline: an answer that trickles is cut by the same timer (axios destroys the
      // stream on abort).
      const length = Number(headerValue(response, 'content-length'));
      const text = await readBody(response.data, Number.isFinite(length) ? length : undefined);
      this.latency.record(Date.now() - started);
      return { ...response, data: text };
    } finally {
      clearTimeout(timer);
    }
  }

  private backoff(attempt: number): number {
    // Full jitter on an exponential base, capped.
    const ceiling = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private parseBody<T>(response: AxiosResponse<string>, req: RequestOptions): T {
    const raw = response.data;
    if (response.status === 204 || raw === '' || raw === undefined) return undefined as T;
    const parsed = tryParse(raw);
    // Every incident.io answer with a body is a JSON object; `null` or a bare string is not an answer.
    if (parsed === undefined || parsed === null || typeof parsed !== 'object') {
      const type = headerValue(response, 'content-type') ?? 'unknown content type';
      throw new TransportError(
        `incident.io answered ${req.method} ${req.path} with a body that is not JSON (${type}); ` +
          'this is usually a proxy or an outage page, try again later',
        { method: req.method, path: req.path, code: 'bad_body', retryable: false, status: response.status }
      );
    }
    return parsed as T;
  }

  private apiError(status: number, body: unknown, response: AxiosResponse, req: RequestOptions): ApiError {
    const b = (body && typeof body === 'object' ? body : {}) as {
      type?: string;
      request_id?: string;
      errors?: Array<{ code?: string; message?: string; source?: { field?: string } }>;
    };
    const errors: ApiErrorDetail[] = Array.isArray(b.errors)
      ? b.errors.map((e) => ({
          code: String(e.code ?? ''),
          message: String(e.message ?? ''),
          ...(e.source?.field ? { field: String(e.source.field) } : {}),
        }))
      : [];
    const requestId = typeof b.request_id === 'string' ? b.request_id : headerValue(response, 'x-request-id');
    const detail = errors
      .map((e) => (e.field ? `${e.field}: ${e.message}` : e.message))
      .filter(Boolean)
      .join('; ');
    const where = `${req.method} ${req.path}`;
    const ref = requestId ? ` (request_id ${requestId})` : '';
    const info = { method: req.method, path: req.path, status, type: b.type, errors, requestId };
    const c = classifyStatus(status);
    const retry = c.retryable ? { retryable: true } : {};
    switch (c.kind) {
      case 'auth':
        return new ApiError(
          c.failureType,
          `incident.io rejected the API key: it is invalid or revoked. Create a new key in incident.io (Settings → API keys) and update the credential${ref}`,
          info
        );
      case 'forbidden':
        return new ApiError(
          c.failureType,
          `${describeForbidden(req.method, req.path)}${detail ? ` (${detail})` : ''}${ref}`,
          info
        );
      case 'rate_limited': {
        const retryAfterMs =
          parseRetryAfter(headerValue(response, 'retry-after')) ?? retryAfterFromBody(body);
        return new ApiError(c.failureType, `incident.io rate limit reached on ${where}${ref}`, {
          ...info,
          retryAfterMs,
          ...retry,
        });
      }
      case 'server':
        return new ApiError(
          c.failureType,
          `incident.io failed on ${where} with HTTP ${status}${detail ? `: ${detail}` : ''}${ref}`,
          { ...info, ...retry }
        );
      case 'redirect':
        return new ApiError(
          c.failureType,
          `incident.io answered ${where} with a redirect (HTTP ${status}); check the base URL of the credential`,
          info
        );
      case 'not_found':
        return new ApiError(
          c.failureType,
          `incident.io found nothing at ${where}${detail ? `: ${detail}` : ''}${ref}`,
          info
        );
      case 'invalid':
      case 'refused':
        return new ApiError(
          c.failureType,
          `incident.io refused ${where} with HTTP ${status}${detail ? `: ${detail}` : ''}${ref}`,
          info
        );
    }
  }

  private transportError(e: unknown, req: RequestOptions, signal?: AbortSignal): ConnectorError {
    if (e instanceof ConnectorError) return e;
    if (signal?.aborted) return new CancelledError();
    const base = { method: req.method, path: req.path };
    // A body cut short surfaces from the response stream as Node's own error ("aborted", ECONNRESET),
    // not an AxiosError: the same transport failure, retried the same way.
    // (Duck-typed: Node's errors may come from another realm than this module's Error.)
    const nodeCode =
      !isAxiosError(e) && typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
    if (isAxiosError(e) || typeof nodeCode === 'string') {
      const code = (isAxiosError(e) ? e.code : (nodeCode as string)) ?? 'UNKNOWN';
      if (code === 'ERR_CANCELED') {
        return new TransportError(
          `no answer from incident.io for ${req.method} ${req.path} within the deadline`,
          {
            ...base,
            code: 'deadline',
            retryable: true,
          }
        );
      }
      if (code === 'ERR_BAD_REQUEST' && /maxBodyLength/.test((e as Error).message)) {
        return new TransportError(
          `the request body of ${req.method} ${req.path} is larger than the ${this.opts.maxContentLength} byte limit; nothing was sent`,
          { ...base, code: 'too_large', retryable: false, failureType: 'bad_record' }
        );
      }
      if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test((e as Error).message)) {
        const what =
          req.method === 'GET'
            ? 'ask for smaller pages (page_sizes in the source config) or raise maxContentLength'
            : 'raise maxContentLength';
        return new TransportError(
          `incident.io's answer to ${req.method} ${req.path} is larger than the ${this.opts.maxContentLength} byte limit; ${what}`,
          // Not retried, and not transient: the same request gets the same answer.
          { ...base, code: 'too_large', retryable: false, failureType: 'config' }
        );
      }
      const permanentProblem = permanentTransportProblem(code, this.host);
      if (permanentProblem) {
        return new TransportError(
          `could not use incident.io for ${req.method} ${req.path}: ${permanentProblem}`,
          {
            ...base,
            code,
            retryable: false,
            failureType: 'config',
          }
        );
      }
      // ERR_BAD_REQUEST: axios refused to send the request (responses never raise it here, since
      // every status is accepted): sending it again cannot help.
      const permanent =
        code === 'ENOTFOUND' ||
        code === 'ERR_INVALID_URL' ||
        code === 'ERR_BAD_OPTION_VALUE' ||
        code === 'ERR_BAD_REQUEST';
      return new TransportError(
        `could not reach incident.io for ${req.method} ${req.path}: ${describeCode(code)}`,
        {
          ...base,
          code,
          retryable: !permanent,
        }
      );
    }
    return new TransportError(
      `request ${req.method} ${req.path} failed: ${e instanceof Error ? e.message : 'unknown error'}`,
      {
        ...base,
        code: 'UNKNOWN',
        retryable: false,
      }
    );
  }
}

function describeCode(code: string): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_BAD_RESPONSE':
      return 'the connection was reset or the answer was cut short';
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
      return 'the connection timed out';
    default:
      return `network error ${code}`;
  }
}

function tryParse(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function headerValue(response: AxiosResponse, name: string): string | undefined {
  const v = (response.headers as Record<string, unknown>)[name];
  return v === undefined || v === null ? undefined : String(v);
}

function combineSignals(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  if (a && b) return AbortSignal.any([a, b]);
  return a ?? b;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
