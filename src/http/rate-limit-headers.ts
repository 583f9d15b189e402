// Parsing of incident.io's rate-limit signals (spec info "Rate limits"; README "Rate limits"): X-RateLimit-* headers and Retry-After,
// which has been seen both as seconds and as an HTTP date.

export interface LimitWindow {
  limit: number;
  windowSeconds: number;
}

export interface RateLimitInfo {
  /** The binding quota: the first number of X-RateLimit-Limit. */
  binding?: number;
  /** Every applicable limit with its window, e.g. "1200;window=60". */
  windows: LimitWindow[];
  remaining?: number;
  resetAt?: number;
}

type HeaderBag = Record<string, unknown>;

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return v === undefined || v === null ? undefined : String(v);
}

/** Parses e.g. `60, 1200;window=60, 60;window=60`. Unknown shapes yield no windows, never a throw. */
export function parseRateLimitHeaders(headers: HeaderBag): RateLimitInfo {
  const info: RateLimitInfo = { windows: [] };
  const limit = header(headers, 'x-ratelimit-limit');
  if (limit) {
    for (const part of limit.split(',')) {
      const [value, ...params] = part.trim().split(';');
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) continue;
      const window = params.map((p) => p.trim()).find((p) => p.startsWith('window='));
      if (window) {
        const w = Number(window.slice('window='.length));
        if (Number.isFinite(w) && w > 0) info.windows.push({ limit: n, windowSeconds: w });
      } else if (info.binding === undefined) {
        info.binding = n;
      }
    }
  }
  const remaining = Number(header(headers, 'x-ratelimit-remaining'));
  if (header(headers, 'x-ratelimit-remaining') !== undefined && Number.isFinite(remaining)) {
    info.remaining = remaining;
  }
  const reset = Number(header(headers, 'x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) info.resetAt = reset * 1000;
  return info;
}

/**
 * Milliseconds to wait according to Retry-After: integer seconds first (new Date("120") would parse as
 * the year 120), then an HTTP date. Undefined when absent or unparsable.
 */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(Array.isArray(value) ? value[0] : value).trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** The 429 body's `rate_limit.retry_after` (RFC 3339 or RFC 1123) as a wait in ms. */
export function retryAfterFromBody(body: unknown, now: number = Date.now()): number | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const rl = (body as { rate_limit?: { retry_after?: unknown } }).rate_limit;
  if (!rl || typeof rl.retry_after !== 'string') return undefined;
  const at = Date.parse(rl.retry_after);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
