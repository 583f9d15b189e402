// incident.io's rate limits (spec info "Rate limits"): a token bucket per key (continuous refill, one token per
// request), tighter buckets on some endpoints (per key and route), and limits scoped to the whole
// organisation that every key shares. A request needs a token from every bucket that applies; the
// X-RateLimit-* headers name the binding one first and describe the one with the least allowance.
import { performance } from 'perf_hooks';

export interface BucketOptions {
  burst: number;
  refillPerSecond: number;
}

export interface RateLimitConfig {
  /** Per key; false = unlimited. */
  key: BucketOptions | false;
  /** Per key and route template, e.g. { "POST /v2/escalations": { burst: 60, refillPerSecond: 1 } }. */
  endpoints?: Record<string, BucketOptions>;
  /** Shared by every key of the organisation. */
  org?: BucketOptions;
}

export interface TakeResult {
  ok: boolean;
  headers: Record<string, string>;
  /** When refused: ms until every applicable bucket has a token. */
  waitMs: number;
  limit: number;
}

/** incident.io's bucket per key (spec info, "Rate limits"): 1,200 requests a minute. */
export const KEY_BUCKET: BucketOptions = { burst: 1200, refillPerSecond: 20 };

/**
 * Route limits on top of the key's, at incident.io's own key bucket: escalation create is 60 a minute
 * (spec description); GET /v2/incidents is 60 a minute, with its own X-RateLimit-Limit
 * `60, 1200;window=60, 60;window=60` (README "What the simulator models").
 */
export const DOCUMENTED_ENDPOINT_LIMITS: Record<string, BucketOptions> = {
  'POST /v2/escalations': { burst: 60, refillPerSecond: 1 },
  'GET /v2/incidents': { burst: 60, refillPerSecond: 1 },
};

/**
 * The documented route limits for a key bucket scaled from incident.io's: each route keeps its share
 * of the key's burst and refill, so a simulator whose key is faster (tests) is faster on every route.
 */
export function endpointLimitsFor(key: BucketOptions): Record<string, BucketOptions> {
  return Object.fromEntries(
    Object.entries(DOCUMENTED_ENDPOINT_LIMITS).map(([route, o]) => [
      route,
      {
        burst: Math.max(1, Math.round((o.burst * key.burst) / KEY_BUCKET.burst)),
        refillPerSecond: (o.refillPerSecond * key.refillPerSecond) / KEY_BUCKET.refillPerSecond,
      },
    ])
  );
}

interface Bucket {
  opts: BucketOptions;
  tokens: number;
  at: number;
}

function validate(o: BucketOptions): BucketOptions {
  if (!(o.burst >= 1 && o.refillPerSecond > 0))
    throw new RangeError('bucket needs burst >= 1 and refillPerSecond > 0');
  return o;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly config: RateLimitConfig;

  constructor(
    config: RateLimitConfig | BucketOptions | false,
    private readonly monotonic: () => number = () => performance.now()
  ) {
    this.config = config === false || 'burst' in config ? { key: config } : config;
    if (this.config.key) validate(this.config.key);
    for (const o of Object.values(this.config.endpoints ?? {})) validate(o);
    if (this.config.org) validate(this.config.org);
  }

  private bucket(id: string, opts: BucketOptions, now: number): Bucket {
    let b = this.buckets.get(id);
    if (!b) {
      b = { opts, tokens: opts.burst, at: now };
      this.buckets.set(id, b);
    }
    b.tokens = Math.min(opts.burst, b.tokens + ((now - b.at) / 1000) * opts.refillPerSecond);
    b.at = now;
    return b;
  }

  /** Takes one token for `key` on `route` from every bucket that applies, or none at all. */
  take(key: string, route = ''): TakeResult {
    const now = this.monotonic();
    const applicable: Bucket[] = [];
    if (this.config.key) applicable.push(this.bucket(`key:${key}`, this.config.key, now));
    const endpoint = this.config.endpoints?.[route];
    if (endpoint) applicable.push(this.bucket(`endpoint:${key}:${route}`, endpoint, now));
    if (this.config.org) applicable.push(this.bucket('org', this.config.org, now));
    if (applicable.length === 0) return { ok: true, headers: {}, waitMs: 0, limit: Infinity };

    const ok = applicable.every((b) => b.tokens >= 1);
    if (ok) for (const b of applicable) b.tokens -= 1;
    // The binding limit is the one with the least allowance left.
    const binding = applicable.reduce((a, b) => (b.tokens < a.tokens ? b : a));
    const remaining = Math.max(0, Math.floor(binding.tokens));
    const fullInMs = ((binding.opts.burst - binding.tokens) / binding.opts.refillPerSecond) * 1000;
    const waitMs = ok
      ? 0
      : Math.max(
          ...applicable.map((b) => (b.tokens >= 1 ? 0 : ((1 - b.tokens) / b.opts.refillPerSecond) * 1000))
        );
    const windows = applicable.map(
      (b) => `${b.opts.burst};window=${Number((b.opts.burst / b.opts.refillPerSecond).toFixed(3))}`
    );
    return {
      ok,
      waitMs,
      limit: binding.opts.burst,
      headers: {
        'X-RateLimit-Limit': `${binding.opts.burst}, ${windows.join(', ')}`,
        'X-RateLimit-Remaining': String(remaining),
        'X-RateLimit-Used': String(binding.opts.burst - remaining),
        'X-RateLimit-Reset': String(Math.ceil((Date.now() + fullInMs) / 1000)),
      },
    };
  }
}
