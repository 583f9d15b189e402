// incident.io's per-key token bucket (API-NOTES §3): capacity `burst`, continuous refill, one token per
// request, and the X-RateLimit-* headers that describe it.
import { performance } from 'perf_hooks';

export interface BucketOptions {
  burst: number;
  refillPerSecond: number;
}

export interface TakeResult {
  ok: boolean;
  headers: Record<string, string>;
  /** When refused: ms until the next token. */
  waitMs: number;
  limit: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly opts: BucketOptions | false,
    private readonly monotonic: () => number = () => performance.now()
  ) {
    if (opts && !(opts.burst >= 1 && opts.refillPerSecond > 0)) {
      throw new RangeError('bucket needs burst >= 1 and refillPerSecond > 0');
    }
  }

  /** Takes one token for `key`. Without a bucket every request passes and no header is sent. */
  take(key: string): TakeResult {
    if (!this.opts) return { ok: true, headers: {}, waitMs: 0, limit: Infinity };
    const { burst, refillPerSecond } = this.opts;
    const now = this.monotonic();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * refillPerSecond);
    b.at = now;
    this.buckets.set(key, b);
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    const remaining = Math.floor(b.tokens);
    const fullInMs = ((burst - b.tokens) / refillPerSecond) * 1000;
    const window = Number((burst / refillPerSecond).toFixed(3));
    return {
      ok,
      waitMs: ok ? 0 : ((1 - b.tokens) / refillPerSecond) * 1000,
      limit: burst,
      headers: {
        'X-RateLimit-Limit': `${burst}, ${burst};window=${window}`,
        'X-RateLimit-Remaining': String(remaining),
        'X-RateLimit-Used': String(burst - remaining),
        'X-RateLimit-Reset': String(Math.ceil((Date.now() + fullInMs) / 1000)),
      },
    };
  }
}
