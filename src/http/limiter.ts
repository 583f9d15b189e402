// One limiter per API key per process, shared by every source and destination built with that key.
// It mirrors incident.io's token bucket, learns tighter per-endpoint limits from X-RateLimit-Limit,
// corrects itself from X-RateLimit-Remaining and, after a 429, pauses every caller of the key.
import { EventEmitter } from 'node:events';
import type { RateLimitOptions } from '../contract';
import { keyFingerprint } from '../util/hash';
import { sleep } from '../util/clock';
import { parseRateLimitHeaders } from './rate-limit-headers';
import { TokenBucket } from './token-bucket';

/** incident.io's documented bucket per key (API-NOTES §3). */
export const INCIDENT_IO_BURST = 1200;
export const INCIDENT_IO_REFILL_PER_SECOND = 20;

export interface ResolvedRateLimit {
  burst: number;
  refillPerSecond: number;
  share: number;
  maxConcurrent: number;
}

export function resolveRateLimit(opts: RateLimitOptions = {}): ResolvedRateLimit {
  const share = opts.share ?? 0.9;
  if (!(share > 0 && share <= 1)) throw new RangeError('rate limit share must be in (0, 1]');
  return {
    burst: opts.burst ?? INCIDENT_IO_BURST,
    refillPerSecond: opts.refillPerSecond ?? INCIDENT_IO_REFILL_PER_SECOND,
    share,
    maxConcurrent: opts.maxConcurrent ?? 16,
  };
}

export interface LimiterCounters {
  requests: number;
  throttled: number;
  waitedMs: number;
  pauses: number;
  corrections: number;
  learnedLimits: Record<string, { burst: number; refillPerSecond: number }>;
}

/** Thrown inside a scheduled job when a 429 pause began while it was queued: the job sends nothing. */
class PausedWhileQueued extends Error {}

export class KeyLimiter extends EventEmitter {
  readonly id: string;
  private readonly bucket: TokenBucket;
  private readonly gates = new Map<string, TokenBucket>();
  private pausedUntil = 0;
  private readonly settings: ResolvedRateLimit;
  readonly counters: LimiterCounters = {
    requests: 0,
    throttled: 0,
    waitedMs: 0,
    pauses: 0,
    corrections: 0,
    learnedLimits: {},
  };

  constructor(fingerprint: string, settings: ResolvedRateLimit) {
    super();
    this.settings = settings;
    this.id = `incident-io-v1-${fingerprint}`;
    this.bucket = new TokenBucket({
      id: this.id,
      burst: Math.max(1, Math.floor(settings.burst * settings.share)),
      refillPerSecond: settings.refillPerSecond * settings.share,
      maxConcurrent: settings.maxConcurrent,
    });
  }

  get budget(): { burst: number; refillPerSecond: number } {
    return this.bucket.capacity;
  }

  async currentTokens(): Promise<number> {
    return this.bucket.tokens();
  }

  /** Runs one HTTP attempt under the key's bucket (and the route's learned gate, if any). */
  async run<T>(route: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (;;) {
      await this.waitWhilePaused(signal);
      const started = Date.now();
      const gate = this.gates.get(route);
      // A learned endpoint gate is a token taken before the key's own, as octokit layers its limits.
      // Both waits end at once when the signal aborts (the queued job then sends nothing).
      if (gate) await gate.schedule(async () => undefined, { signal });
      try {
        return await this.bucket.schedule(
          async () => {
            if (Date.now() < this.pausedUntil) {
              // A 429 paused the key while this job was queued: send nothing, keep the token(s).
              this.bucket.refund();
              gate?.refund();
              throw new PausedWhileQueued();
            }
            const waited = Date.now() - started;
            this.counters.requests++;
            this.counters.waitedMs += waited;
            if (waited > 0) this.emit('wait', { route, ms: waited });
            return fn();
          },
          { signal }
        );
      } catch (e) {
        if (e instanceof PausedWhileQueued) continue;
        throw e;
      }
    }
  }

  /** Stops every caller of this key until `ms` from now (a 429 with Retry-After). */
  pause(ms: number): void {
    const until = Date.now() + ms;
    this.counters.throttled++;
    if (until > this.pausedUntil) {
      this.pausedUntil = until;
      this.counters.pauses++;
      this.emit('pause', { ms });
    }
    // The server's bucket is empty: so is ours.
    void this.bucket.lowerTo(0);
  }

  async waitWhilePaused(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - Date.now();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }

  /** Learns from a response's X-RateLimit-* headers. */
  observe(route: string, headers: Record<string, unknown>): void {
    const info = parseRateLimitHeaders(headers);
    const keyRate = this.settings.refillPerSecond;
    // A window tighter than the key's own bucket applies to this endpoint only.
    const tighter = info.windows
      .map((w) => ({ burst: w.limit, rate: w.limit / w.windowSeconds }))
      .filter((w) => w.rate < keyRate * 0.999 || w.burst < this.settings.burst)
      .sort((a, b) => a.rate - b.rate)[0];
    if (tighter && !this.gates.has(route)) {
      const burst = Math.max(1, Math.floor(tighter.burst * this.settings.share));
      const refill = tighter.rate * this.settings.share;
      const gate = new TokenBucket({ id: `${this.id}-${route}`, burst, refillPerSecond: refill });
      this.gates.set(route, gate);
      this.counters.learnedLimits[route] = { burst, refillPerSecond: refill };
      this.emit('learned', { route, burst, refillPerSecond: refill });
    }
    if (info.remaining !== undefined) {
      // Remaining describes the binding limit: the endpoint's when it is tighter, else the key's.
      const target = tighter && info.binding === tighter.burst ? this.gates.get(route) : this.bucket;
      if (target) {
        const inFlight = this.bucket.running();
        const allowed = info.remaining * this.settings.share - inFlight;
        void target.tokens().then((current) => {
          if (allowed < current - 1) {
            this.counters.corrections++;
            this.emit('corrected', { route, from: current, to: Math.max(0, allowed) });
            return target.lowerTo(allowed);
          }
          return undefined;
        });
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all([this.bucket.stop(), ...[...this.gates.values()].map((g) => g.stop())]);
  }
}

/** Process-wide map from key fingerprint to its limiter. Injected through the context, never global. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, KeyLimiter>();
  constructor(private readonly defaults: RateLimitOptions = {}) {}

  forKey(apiKey: string, opts?: RateLimitOptions): KeyLimiter {
    const fp = keyFingerprint(apiKey);
    let limiter = this.limiters.get(fp);
    if (!limiter) {
      limiter = new KeyLimiter(fp, resolveRateLimit({ ...this.defaults, ...opts }));
      this.limiters.set(fp, limiter);
    }
    return limiter;
  }

  size(): number {
    return this.limiters.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.limiters.values()].map((l) => l.stop()));
    this.limiters.clear();
  }
}

let defaultRegistry: LimiterRegistry | undefined;
/**
 * The registry used when a runtime injects none. One per process, so that separately created sources
 * and destinations on one key share a budget even when their runtime forgets to pass a registry.
 */
export function processLimiterRegistry(): LimiterRegistry {
  defaultRegistry ??= new LimiterRegistry();
  return defaultRegistry;
}
