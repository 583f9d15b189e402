// One limiter per API key per process, shared by every source and destination built with that key.
// It mirrors incident.io's token bucket, learns tighter per-endpoint limits from X-RateLimit-Limit,
// corrects itself from X-RateLimit-Remaining and, after a 429, pauses every caller of the key.
// With `redis` options (Redis mode) the bucket, the learned limits and the pause live in Redis and
// hold across every process that uses the key (redis-bucket.ts).
import { EventEmitter } from 'node:events';
import type { Logger } from '../logger';
import type { RateLimitOptions } from './rate-limit-options';
import { keyFingerprint } from '../util/hash';
import { sleep } from '../util/clock';
import { DEFAULT_MAX_IN_FLIGHT, inFlightTarget } from './in-flight-target';
import { LatencyTracker } from './latency';
import { parseRateLimitHeaders } from './rate-limit-headers';
import { RedisSharedBucket, type ResolvedRedisOptions, type SharedStateEvent } from './redis-bucket';
import { checkRedisUrl } from './redis-connection';
import { TokenBucket } from './token-bucket';

/** incident.io's documented bucket per key (spec info "Rate limits"; README "Rate limits"). */
export const INCIDENT_IO_BURST = 1200;
export const INCIDENT_IO_REFILL_PER_SECOND = 20;

export interface ResolvedRateLimit {
  burst: number;
  refillPerSecond: number;
  share: number;
  /** Requests in flight on the key at most (the in-flight target's cap). */
  maxConcurrent: number;
  /** Redis mode: one bucket for every process on the key. */
  redis?: ResolvedRedisOptions;
}

export function resolveRateLimit(opts: RateLimitOptions = {}): ResolvedRateLimit {
  // The whole bucket: the X-RateLimit-Remaining corrections already leave room for other clients.
  const share = opts.share ?? 1;
  if (!(share > 0 && share <= 1)) throw new RangeError('rate limit share must be in (0, 1]');
  const max = opts.maxConcurrent;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new RangeError('rate limit maxConcurrent must be a whole number of requests, at least 1');
  }
  return {
    burst: opts.burst ?? INCIDENT_IO_BURST,
    refillPerSecond: opts.refillPerSecond ?? INCIDENT_IO_REFILL_PER_SECOND,
    share,
    maxConcurrent: opts.maxConcurrent ?? DEFAULT_MAX_IN_FLIGHT,
    ...(opts.redis?.url ? { redis: resolveRedis(opts.redis) } : {}),
  };
}

function resolveRedis(o: NonNullable<RateLimitOptions['redis']>): ResolvedRedisOptions {
  const localShare = o.localShare ?? 0.25;
  if (!(localShare > 0 && localShare <= 1)) throw new RangeError('redis.localShare must be in (0, 1]');
  const onUnavailable = o.onUnavailable ?? 'fail';
  if (onUnavailable !== 'fail' && onUnavailable !== 'local') {
    throw new RangeError('redis.onUnavailable must be "fail" or "local"');
  }
  const positive = (v: number | undefined, name: string, dflt: number) => {
    if (v === undefined) return dflt;
    if (!(v > 0)) throw new RangeError(`redis.${name} must be a positive number of ms`);
    return v;
  };
  return {
    url: checkRedisUrl(o.url),
    onUnavailable,
    localShare,
    jobExpirationMs: positive(o.jobExpirationMs, 'jobExpirationMs', 65_000),
    connectTimeoutMs: positive(o.connectTimeoutMs, 'connectTimeoutMs', 2_000),
    commandTimeoutMs: positive(o.commandTimeoutMs, 'commandTimeoutMs', 1_000),
  };
}

export interface LimiterCounters {
  requests: number;
  throttled: number;
  waitedMs: number;
  pauses: number;
  corrections: number;
  learnedLimits: Record<string, { burst: number; refillPerSecond: number }>;
  /** Redis mode only: where the bucket is now, and how often this process had to limit itself alone. */
  redis?: { mode: 'starting' | 'redis' | 'local'; fallbacks: number; restores: number };
}

/** Thrown inside a scheduled job when a 429 pause began while it was queued: the job sends nothing. */
class PausedWhileQueued extends Error {}

/** What the limiter notes about one attempt it let through. */
export interface LimiterTicket {
  /** Attempts let through on this key up to and including this one. */
  seq?: number;
  /** Attempts let through on this attempt's route up to and including this one. */
  routeSeq?: number;
  /** When it was let through (ms). */
  at?: number;
}

export class KeyLimiter extends EventEmitter {
  readonly id: string;
  /** Local mode: the key's bucket. Redis mode: this process's bucket for when Redis is unreachable. */
  private readonly bucket: TokenBucket;
  /** Redis mode: the bucket, learned limits and pause that every process on the key shares. */
  private readonly shared?: RedisSharedBucket;
  private readonly logger?: Logger;
  private readonly gates = new Map<string, TokenBucket>();
  private pausedUntil = 0;
  private readonly settings: ResolvedRateLimit;
  /** Round trips of recent attempts on this key, from every client that uses it. */
  private readonly roundTrips = new LatencyTracker();
  /** The bucket's tokens as last read (reading is asynchronous, the in-flight target is not). */
  private lastTokens: number;
  private readonly lastGateTokens = new Map<string, number>();
  /** Attempts let through per route (for corrections of a route's own limit). */
  private readonly routeRequests = new Map<string, number>();
  private tokensReadAt = 0;
  readonly counters: LimiterCounters = {
    requests: 0,
    throttled: 0,
    waitedMs: 0,
    pauses: 0,
    corrections: 0,
    learnedLimits: {},
  };

  constructor(fingerprint: string, settings: ResolvedRateLimit, logger?: Logger) {
    super();
    this.settings = settings;
    this.logger = logger;
    const burst = Math.max(1, Math.floor(settings.burst * settings.share));
    this.lastTokens = burst;
    const refillPerSecond = settings.refillPerSecond * settings.share;
    if (settings.redis) {
      // The hash tag keeps every key of this limiter in one Redis Cluster slot; v2 is the Redis layout.
      this.id = `incident-io-v2-{${fingerprint}}`;
      this.counters.redis = { mode: 'starting', fallbacks: 0, restores: 0 };
      this.shared = new RedisSharedBucket({
        id: this.id,
        burst,
        refillPerSecond,
        maxConcurrent: settings.maxConcurrent,
        redis: settings.redis,
        onLearned: (route, b, r) => this.noteLearned(route, b, r),
        onState: (e) => this.onSharedState(e),
      });
      this.bucket = this.shared.fallback;
      return;
    }
    this.id = `incident-io-v1-${fingerprint}`;
    this.bucket = new TokenBucket({
      id: this.id,
      burst,
      refillPerSecond,
      maxConcurrent: settings.maxConcurrent,
    });
  }

  get budget(): { burst: number; refillPerSecond: number } {
    return this.shared?.capacity ?? this.bucket.capacity;
  }

  /** Tokens in the key's bucket, or (local mode) in a route's learned one when `route` has one. */
  async currentTokens(route?: string): Promise<number> {
    const gate = route === undefined ? undefined : this.gates.get(route);
    if (gate) return gate.tokens();
    return this.shared ? this.shared.tokens() : this.bucket.tokens();
  }

  /** The most requests this key keeps in flight. */
  get maxInFlight(): number {
    return this.settings.maxConcurrent;
  }

  /** Typical round trip of recent attempts on this key (ms), once one was answered. */
  get roundTripMs(): number | undefined {
    return this.roundTrips.typicalMs;
  }

  /**
   * How many requests the key's callers should keep in flight now (in-flight-target.ts): enough to
   * spend the tokens available at once and then the refill at the measured round trip, at most the cap.
   * For a route with a tighter learned limit (GET /v2/incidents: 60 a minute), the same from that
   * route's bucket: its callers then take the route's share, and the rest of the key's goes to others.
   */
  inFlightTarget(route?: string): number {
    const learned = route === undefined ? undefined : this.counters.learnedLimits[route];
    this.readTokensSoon();
    if (learned) {
      return inFlightTarget({
        tokens: this.lastGateTokens.get(route!) ?? 0,
        refillPerSecond: learned.refillPerSecond,
        roundTripMs: this.roundTrips.typicalMs,
        cap: this.settings.maxConcurrent,
      });
    }
    return inFlightTarget({
      tokens: this.lastTokens,
      refillPerSecond: this.budget.refillPerSecond,
      roundTripMs: this.roundTrips.typicalMs,
      cap: this.settings.maxConcurrent,
    });
  }

  /** Whether `route` has a limit tighter than the key's (learned from X-RateLimit-Limit). */
  hasRouteLimit(route: string): boolean {
    return this.counters.learnedLimits[route] !== undefined;
  }

  /** Refreshes the token counts at most every 50 ms (in Redis mode a read is a round trip to Redis). */
  private readTokensSoon(): void {
    const now = Date.now();
    if (now - this.tokensReadAt < 50) return;
    this.tokensReadAt = now;
    (this.shared ? this.shared.tokens() : this.bucket.tokens()).then(
      (t) => (this.lastTokens = t),
      () => undefined
    );
    for (const [route, gate] of this.gates) {
      gate.tokens().then(
        (t) => this.lastGateTokens.set(route, t),
        () => undefined
      );
    }
  }

  /** Sends one attempt, noting its round trip (without the wait for a token). */
  private async timed<T>(fn: () => Promise<T>): Promise<T> {
    const sent = Date.now();
    try {
      return await fn();
    } finally {
      this.roundTrips.record(Date.now() - sent);
      this.readTokensSoon();
    }
  }

  /**
   * Runs one HTTP attempt under the key's bucket (and the route's learned gate, if any). The ticket
   * records when the attempt was let through, for reading its response's rate-limit headers.
   */
  async run<T>(
    route: string,
    fn: () => Promise<T>,
    signal?: AbortSignal,
    ticket?: LimiterTicket
  ): Promise<T> {
    if (this.shared) return this.runShared(this.shared, route, fn, signal);
    for (;;) {
      await this.waitWhilePaused(signal);
      const started = Date.now();
      const gate = this.gates.get(route);
      // A learned endpoint gate is a token taken before the key's own, as octokit layers its limits;
      // its job lasts until the answer, so the gate counts the request in flight as the key does.
      // Both waits end at once when the signal aborts (the queued job then sends nothing).
      const send = () =>
        this.bucket.schedule(
          async () => {
            if (Date.now() < this.pausedUntil) {
              // A 429 paused the key while this job was queued: send nothing, keep the token(s).
              this.bucket.refund();
              gate?.refund();
              throw new PausedWhileQueued();
            }
            const waited = Date.now() - started;
            this.counters.requests++;
            this.routeRequests.set(route, (this.routeRequests.get(route) ?? 0) + 1);
            this.counters.waitedMs += waited;
            if (ticket) {
              ticket.seq = this.counters.requests;
              ticket.routeSeq = this.routeRequests.get(route);
              ticket.at = Date.now();
            }
            if (waited > 0) this.emit('wait', { route, ms: waited });
            return this.timed(fn);
          },
          { signal }
        );
      try {
        return await (gate ? gate.schedule(send, { signal }) : send());
      } catch (e) {
        if (e instanceof PausedWhileQueued) continue;
        throw e;
      }
    }
  }

  /** Redis mode: the same steps, with the token (and the pause) taken from the shared bucket. */
  private async runShared<T>(
    shared: RedisSharedBucket,
    route: string,
    fn: () => Promise<T>,
    signal?: AbortSignal
  ): Promise<T> {
    for (;;) {
      await this.waitWhilePaused(signal);
      const started = Date.now();
      try {
        return await shared.schedule(
          route,
          async (refund) => {
            if (Date.now() < this.pausedUntil) {
              refund();
              throw new PausedWhileQueued();
            }
            const waited = Date.now() - started;
            this.counters.requests++;
            this.counters.waitedMs += waited;
            if (waited > 0) this.emit('wait', { route, ms: waited });
            return this.timed(fn);
          },
          signal
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
    // The server's bucket is empty: so is ours (in Redis mode, every process's, and they all wait).
    if (this.shared) void this.shared.pause(ms);
    else void this.bucket.lowerTo(0);
  }

  async waitWhilePaused(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const wait = this.pausedUntil - Date.now();
      if (wait <= 0) return;
      await sleep(wait, signal);
    }
  }

  /** Learns from a response's X-RateLimit-* headers (of the attempt `ticket` was given to). */
  observe(route: string, headers: Record<string, unknown>, ticket: LimiterTicket = {}): void {
    const info = parseRateLimitHeaders(headers);
    const keyRate = this.settings.refillPerSecond;
    // A window tighter than the key's own bucket applies to this endpoint only.
    const tighter = info.windows
      .map((w) => ({ burst: w.limit, rate: w.limit / w.windowSeconds }))
      .filter((w) => w.rate < keyRate * 0.999 || w.burst < this.settings.burst)
      .sort((a, b) => a.rate - b.rate)[0];
    if (this.shared) {
      this.observeShared(this.shared, route, info.remaining, tighter, info.binding);
      return;
    }
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
        // The server counted this request and (roughly) those sent before it, not those sent since;
        // and it refilled for part of the round trip: half of it is credited, so that corrections
        // from our own traffic do not throw away refill that the server did grant.
        // A route's own limit counts only that route's requests sent since: the key's other requests
        // take nothing from it (counting them would keep the route below its burst, at its refill).
        const later =
          target !== this.bucket && ticket.routeSeq !== undefined
            ? (this.routeRequests.get(route) ?? 0) - ticket.routeSeq
            : ticket.seq !== undefined
              ? this.counters.requests - ticket.seq
              : this.bucket.running();
        const roundTrip = ticket.at !== undefined ? (Date.now() - ticket.at) / 1000 : 0;
        const refill = target.capacity.refillPerSecond;
        const allowed = info.remaining * this.settings.share - later + (roundTrip * refill) / 2;
        void target.tokens().then((current) => {
          const to = Math.max(0, Math.floor(allowed));
          if (to < current) {
            this.counters.corrections++;
            this.emit('corrected', { route, from: current, to });
            return target.lowerTo(to);
          }
          return undefined;
        });
      }
    }
  }

  /** Redis mode: learned limits are shared through Redis, corrections count every process's requests. */
  private observeShared(
    shared: RedisSharedBucket,
    route: string,
    remaining: number | undefined,
    tighter: { burst: number; rate: number } | undefined,
    binding: number | undefined
  ): void {
    if (tighter && !shared.knowsGate(route)) {
      const burst = Math.max(1, Math.floor(tighter.burst * this.settings.share));
      const refill = tighter.rate * this.settings.share;
      shared.learn(route, burst, refill);
      this.noteLearned(route, burst, refill);
    }
    if (remaining === undefined) return;
    const gateBinds = tighter !== undefined && binding === tighter.burst;
    void shared.correct(gateBinds ? route : undefined, remaining * this.settings.share).then((change) => {
      if (!change) return;
      this.counters.corrections++;
      this.emit('corrected', { route, from: change.from, to: change.to });
    });
  }

  private noteLearned(route: string, burst: number, refillPerSecond: number): void {
    if (this.counters.learnedLimits[route]) return;
    this.counters.learnedLimits[route] = { burst, refillPerSecond };
    this.emit('learned', { route, burst, refillPerSecond });
  }

  private onSharedState(e: SharedStateEvent): void {
    const c = this.counters.redis;
    if (c) {
      c.mode = e.mode;
      if (e.mode === 'local') c.fallbacks++;
      else if (e.midRun) c.restores++;
    }
    this.emit('redis', e);
    const pct = `${Math.round(e.localShare * 100)}%`;
    if (e.mode === 'local') {
      const message = e.midRun
        ? `lost the rate limiter's Redis at ${e.where} (${e.reason}): this process limits itself alone at ${pct} of the key's budget until Redis is back`
        : `the rate limiter's Redis at ${e.where} cannot be reached (${e.reason}): this process limits itself alone at ${pct} of the key's budget (onUnavailable "local")`;
      if (this.logger) this.logger.warn(message);
      else process.emitWarning(message, 'IncidentIoConnectorWarning');
    } else if (e.midRun) {
      this.logger?.info(`the rate limiter's Redis at ${e.where} is back: the key's budget is shared again`);
    } else {
      this.logger?.debug(`rate limiter ${this.id} shares the key's budget through Redis at ${e.where}`);
    }
  }

  async stop(): Promise<void> {
    if (this.shared) {
      await this.shared.stop();
      return;
    }
    await Promise.all([this.bucket.stop(), ...[...this.gates.values()].map((g) => g.stop())]);
  }
}

/** Process-wide map from key fingerprint to its limiter. Injected through the context, never global. */
export class LimiterRegistry {
  private readonly limiters = new Map<string, KeyLimiter>();
  /**
   * `defaults` apply to every key (e.g. `redis` for Redis mode); `logger` receives the limiter's own
   * warnings (Redis lost or unreachable, Redis back); `onCreated` is told of each key's limiter, e.g.
   * to follow its `wait` and `pause` events.
   */
  constructor(
    private readonly defaults: RateLimitOptions = {},
    private readonly opts: { logger?: Logger; onCreated?: (limiter: KeyLimiter) => void } = {}
  ) {}

  forKey(apiKey: string, opts?: RateLimitOptions): KeyLimiter {
    const fp = keyFingerprint(apiKey);
    let limiter = this.limiters.get(fp);
    if (!limiter) {
      const given = Object.fromEntries(Object.entries(opts ?? {}).filter(([, v]) => v !== undefined));
      limiter = new KeyLimiter(fp, resolveRateLimit({ ...this.defaults, ...given }), this.opts.logger);
      this.limiters.set(fp, limiter);
      this.opts.onCreated?.(limiter);
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
