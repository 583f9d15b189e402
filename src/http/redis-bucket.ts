// The Redis-mode bucket of one API key: every process that uses the key takes its tokens from one
// exact, continuously refilled bucket in Redis (redis-scripts.ts), so N workers together stay within
// the key's budget. Why not bottleneck's own clustering: its reservoir refill only runs when some
// script runs (every 5 s heartbeat by default: a queue that empties the bucket waits up to 5 s, then
// bursts), refills in whole intervals ahead of a continuous server bucket, takes the clients' clocks,
// and after its keys are flushed re-creates them with a full reservoir, i.e. a 429 storm against a
// server whose bucket is empty (measured with 2.19.5 and @maselious/bottleneck 2.19.8 on Redis 7:
// README, "Running several workers on one key").
//
// In this process: a queue of callers served by one "pump" that asks Redis for tokens (for several
// callers at once) and sleeps exactly until the next token when there is none; `maxConcurrent`
// requests in flight at most. When Redis cannot be reached (at start with onUnavailable 'local', or
// lost mid-run) the process limits itself alone with a local bucket at `localShare` of the budget and
// counts what it spends as a debt that is paid into the shared bucket once Redis is back.
import { randomBytes } from 'node:crypto';
import { CancelledError } from '../errors';
import { sha256Hex } from '../util/hash';
import { RedisConfigError, RedisUnavailableError, SharedRedis } from './redis-connection';
import { TokenBucket } from './token-bucket';

export interface ResolvedRedisOptions {
  url: string;
  onUnavailable: 'fail' | 'local';
  localShare: number;
  jobExpirationMs: number;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

export type SharedMode = 'starting' | 'redis' | 'local';

export interface SharedStateEvent {
  mode: 'redis' | 'local';
  /** Why the process limits itself alone (Redis unreachable), absent when Redis is back. */
  reason?: string;
  /** Lost after it had worked (true) or unreachable from the start (false). */
  midRun: boolean;
  where: string;
  localShare: number;
}

export interface SharedBucketOptions {
  /** incident-io-v2-{<fingerprint>}: every Redis key of this API key starts with it. */
  id: string;
  burst: number;
  refillPerSecond: number;
  maxConcurrent: number;
  redis: ResolvedRedisOptions;
  onLearned(route: string, burst: number, refillPerSecond: number): void;
  onState(event: SharedStateEvent): void;
}

/** Called by a granted job that then sends nothing: gives its token(s) back. */
export type Refund = () => void;

interface Grant {
  id: string;
  def: string;
  route: string;
}

interface Waiter {
  route: string;
  field: string;
  resolve(grant: Grant | 'local'): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

type AcquireReply = [granted: number, waitMs: number, binding: number, tokens: number, def: string];

const routeField = (route: string) => sha256Hex(route).slice(0, 16);

/** "burst ratePerSecond" as stored in Redis for a learned endpoint limit. */
const gateDef = (burst: number, refillPerSecond: number) => `${burst} ${refillPerSecond}`;
function parseDef(def: string): { burst: number; refillPerSecond: number } | undefined {
  const [b, r] = def.split(' ').map(Number);
  return b >= 1 && r > 0 ? { burst: b, refillPerSecond: r } : undefined;
}

export class RedisSharedBucket {
  readonly id: string;
  /** This process alone, at localShare of the budget: used while Redis is unreachable. */
  readonly fallback: TokenBucket;
  readonly stats = { fallbacks: 0, restores: 0, redisCalls: 0 };
  private readonly conn: SharedRedis;
  private readonly opts: SharedBucketOptions;
  private readonly keys: { bucket: string; pause: string; gates: string; inflight: string };
  private readonly ratePerMs: number;
  private readonly ttlMs: number;
  private readonly clientId = randomBytes(6).toString('hex');
  private seq = 0;
  private mode: SharedMode = 'starting';
  private retryRedisAt = 0;
  private debt = 0;
  private lastActive = -Infinity;
  private readonly waiters: Waiter[] = [];
  private running = 0;
  private pumping = false;
  private wake?: () => void;
  private readonly blocked = new Map<string, number>();
  /** Learned endpoint limits known here, route → definition. */
  private readonly gates = new Map<string, string>();
  private readonly localGates = new Map<string, TokenBucket>();
  private stopped = false;
  /** Grants of this process still in Redis's in-flight set: released by done(), or all at stop(). */
  private readonly active = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private readonly onReady = () => {
    this.retryRedisAt = 0;
  };

  constructor(opts: SharedBucketOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.keys = {
      bucket: `${opts.id}:bucket`,
      pause: `${opts.id}:pause`,
      gates: `${opts.id}:gates`,
      inflight: `${opts.id}:inflight`,
    };
    this.ratePerMs = opts.refillPerSecond / 1000;
    // Idle this long, the bucket would be full again: its keys may go (a missing bucket starts full).
    this.ttlMs = Math.ceil(opts.burst / this.ratePerMs) + 60_000;
    const share = opts.redis.localShare;
    this.fallback = new TokenBucket({
      id: `${opts.id}-local`,
      burst: Math.max(1, Math.floor(opts.burst * share)),
      refillPerSecond: opts.refillPerSecond * share,
      maxConcurrent: opts.maxConcurrent,
    });
    this.conn = SharedRedis.acquire({
      url: opts.redis.url,
      connectTimeoutMs: opts.redis.connectTimeoutMs,
      commandTimeoutMs: opts.redis.commandTimeoutMs,
    });
    this.conn.on('ready', this.onReady);
  }

  get capacity(): { burst: number; refillPerSecond: number } {
    return { burst: this.opts.burst, refillPerSecond: this.opts.refillPerSecond };
  }

  get currentMode(): SharedMode {
    return this.mode;
  }

  /**
   * Runs job once a token of the key (and of the route's learned limit) and a concurrency slot are
   * this process's. An abort rejects at once with CancelledError; a queued caller then takes nothing.
   */
  async schedule<T>(route: string, job: (refund: Refund) => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      if (this.stopped) throw new CancelledError();
      if (await this.useRedis()) {
        const grant = await this.take(route, signal);
        if (grant === 'local') continue;
        try {
          return await job(() => this.refund([grant]));
        } finally {
          this.done(grant);
        }
      }
      return this.scheduleLocal(route, job, signal);
    }
  }

  /** Tokens in the shared bucket (or, while alone, in the local one). */
  async tokens(): Promise<number> {
    if (this.redisUsable) {
      try {
        const [tokens] = (await this.conn.client.incidentIoLevel(
          this.keys.bucket,
          this.opts.burst,
          this.ratePerMs
        )) as [number, number];
        return tokens;
      } catch {
        // fall through to the local view
      }
    }
    return this.fallback.tokens();
  }

  /** A 429: every process waits `ms`, and the shared bucket is empty. */
  async pause(ms: number): Promise<void> {
    void this.fallback.lowerTo(0);
    if (!this.redisUsable) return;
    try {
      await this.conn.client.incidentIoPause(
        this.keys.bucket,
        this.keys.pause,
        Math.ceil(ms),
        this.opts.burst,
        this.ratePerMs,
        this.ttlMs
      );
    } catch {
      // Redis is away: this process still waits (KeyLimiter's own pause); the next call falls back.
    }
  }

  /** A tighter endpoint limit learned from a response: shared with every process. */
  learn(route: string, burst: number, refillPerSecond: number): void {
    const def = gateDef(burst, refillPerSecond);
    this.gates.set(route, def);
    if (!this.redisUsable) return;
    const field = routeField(route);
    this.background(
      this.conn.client.incidentIoLearn(this.keys.gates, this.gateKey(field), field, def, this.ttlMs)
    );
  }

  /**
   * A call nobody waits for (a release, a refund, a learned limit); stop() waits for those still
   * going, since closing the connection first would drop them (auto-pipelined calls go out a tick
   * after a QUIT sent at once).
   */
  private background(call: Promise<unknown>): void {
    const p = call.then(
      () => undefined,
      () => undefined
    );
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
  }

  knowsGate(route: string): boolean {
    return this.gates.has(route);
  }

  /**
   * X-RateLimit-Remaining: lowers the key's bucket, or the route's when its limit is the binding one,
   * to `allowed` minus every process's requests in flight. Resolves with the change, if any.
   */
  async correct(
    route: string | undefined,
    allowed: number
  ): Promise<{ from: number; to: number } | undefined> {
    const def = route === undefined ? undefined : this.gates.get(route);
    const shape = def
      ? parseDef(def)
      : { burst: this.opts.burst, refillPerSecond: this.opts.refillPerSecond };
    if (!shape) return undefined;
    if (this.redisUsable) {
      try {
        const bucket = def ? this.gateKey(routeField(route as string)) : this.keys.bucket;
        const [changed, from, to] = (await this.conn.client.incidentIoCorrect(
          bucket,
          this.keys.inflight,
          allowed,
          shape.burst,
          shape.refillPerSecond / 1000,
          this.ttlMs
        )) as [number, number, number];
        return changed ? { from, to } : undefined;
      } catch {
        return undefined;
      }
    }
    // Alone: this process's share of what the server allows.
    const target = def ? this.localGates.get(route as string) : this.fallback;
    if (!target) return undefined;
    const current = await target.tokens();
    const mine = allowed * this.opts.redis.localShare - this.fallback.running();
    if (mine < current - 1) {
      await target.lowerTo(mine);
      return { from: current, to: Math.max(0, Math.floor(mine)) };
    }
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.conn.off('ready', this.onReady);
    for (const w of this.waiters.splice(0)) this.settle(w, () => w.reject(new CancelledError()));
    this.wake?.();
    await Promise.all([this.fallback.stop(), ...[...this.localGates.values()].map((g) => g.stop())]);
    // Requests cancelled at the end of a run may not have finished yet: what they hold is released
    // now, not left to count against every worker until it expires.
    if (this.active.size > 0 && this.conn.isReady) {
      this.background(this.release([...this.active]));
      this.active.clear();
    }
    // A settled call may start another (a grant that came too late is refunded): until none is left.
    const until = Date.now() + this.opts.redis.commandTimeoutMs;
    while (this.pending.size > 0 && Date.now() < until) {
      await Promise.race([
        Promise.all(this.pending),
        new Promise((r) => setTimeout(r, until - Date.now()).unref()),
      ]);
    }
    await this.conn.release();
  }

  // ---- Redis or alone ----

  /** Redis answers for this bucket now (in use, or about to be: connected and never used yet). */
  private get redisUsable(): boolean {
    return this.mode === 'redis' || (this.mode === 'starting' && this.conn.isReady);
  }

  private async useRedis(): Promise<boolean> {
    if (this.mode === 'redis') return true;
    if (this.mode === 'starting') {
      try {
        await this.conn.whenReady();
      } catch (e) {
        // A database Redis refuses is a mistake in the URL: never papered over by limiting alone.
        if (e instanceof RedisConfigError) throw e;
        const reason = e instanceof RedisUnavailableError ? e.reason : describeRedisError(e);
        // Lost between two uses (the connection had worked): go on alone, whatever onUnavailable says.
        if (this.conn.everReady) return this.goLocal(reason, true);
        if (this.opts.redis.onUnavailable === 'fail') throw e;
        return this.goLocal(reason, false);
      }
      if (this.mode === 'starting') {
        this.mode = 'redis';
        this.opts.onState({
          mode: 'redis',
          midRun: false,
          where: this.conn.where,
          localShare: this.opts.redis.localShare,
        });
      }
      return this.mode === 'redis';
    }
    // Alone: try Redis again once it has reconnected (or a second after a failed script).
    if (!this.conn.isReady || Date.now() < this.retryRedisAt) return false;
    this.mode = 'redis';
    this.stats.restores++;
    this.opts.onState({
      mode: 'redis',
      midRun: true,
      where: this.conn.where,
      localShare: this.opts.redis.localShare,
    });
    return true;
  }

  private goLocal(reason: string, midRun: boolean): false {
    // A call cut short by this bucket's own stop (the connection closing) is no loss of Redis.
    if (this.mode === 'local' || this.stopped) return false;
    this.mode = 'local';
    this.retryRedisAt = Date.now() + 1000;
    this.stats.fallbacks++;
    // Mid-run the cluster had likely drained the server's bucket: start alone from empty.
    if (midRun) void this.fallback.lowerTo(0);
    this.opts.onState({
      mode: 'local',
      reason,
      midRun,
      where: this.conn.where,
      localShare: this.opts.redis.localShare,
    });
    for (const w of this.waiters.splice(0)) this.settle(w, () => w.resolve('local'));
    this.wake?.();
    return false;
  }

  private async scheduleLocal<T>(route: string, job: (refund: Refund) => Promise<T>, signal?: AbortSignal) {
    const gate = this.localGate(route);
    if (gate) await gate.schedule(async () => undefined, { signal });
    return this.fallback.schedule(
      async () => {
        this.debt += 1;
        this.lastActive = Date.now();
        return job(() => {
          this.fallback.refund();
          gate?.refund();
          this.debt = Math.max(0, this.debt - 1);
        });
      },
      { signal }
    );
  }

  private localGate(route: string): TokenBucket | undefined {
    const def = this.gates.get(route);
    const shape = def && parseDef(def);
    if (!shape) return undefined;
    let gate = this.localGates.get(route);
    if (!gate) {
      const share = this.opts.redis.localShare;
      gate = new TokenBucket({
        id: `${this.id}-local-${routeField(route)}`,
        burst: Math.max(1, Math.floor(shape.burst * share)),
        refillPerSecond: shape.refillPerSecond * share,
      });
      this.localGates.set(route, gate);
    }
    return gate;
  }

  // ---- the queue and its pump ----

  private take(route: string, signal?: AbortSignal): Promise<Grant | 'local'> {
    return new Promise((resolve, reject) => {
      const w: Waiter = { route, field: routeField(route), resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new CancelledError());
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
      if (this.pumping) this.wake?.();
      else void this.pump();
    });
  }

  private settle(w: Waiter, fn: () => void): void {
    if (w.onAbort) w.signal?.removeEventListener('abort', w.onAbort);
    fn();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0 && this.mode === 'redis' && !this.stopped) {
        const free = this.opts.maxConcurrent - this.running;
        if (free <= 0) return; // done() pumps again
        const now = Date.now();
        const head = this.waiters.find((w) => (this.blocked.get(w.field) ?? 0) <= now);
        if (!head) {
          // Every caller waits for its route's learned limit: sleep until the first one has a token,
          // or until a caller for another route arrives.
          await this.nap(Math.min(...this.waiters.map((w) => this.blocked.get(w.field) ?? now)) - now, true);
          continue;
        }
        const batch = this.waiters.filter((w) => w.field === head.field).slice(0, free);
        let reply: AcquireReply;
        let prefix: string;
        try {
          const call = this.acquire(head.route, head.field, batch.length);
          // stop() waits for it too: tokens granted after the stop go back (refunded below).
          this.background(call);
          [reply, prefix] = await call;
        } catch (e) {
          this.goLocal(describeRedisError(e), true);
          return;
        }
        const [granted, waitMs, binding, , def] = reply;
        if (def && !this.gates.has(head.route)) {
          // Learned by another process: apply it here too.
          this.gates.set(head.route, def);
          const shape = parseDef(def);
          if (shape) this.opts.onLearned(head.route, shape.burst, shape.refillPerSecond);
        }
        if (granted > 0) {
          this.lastActive = Date.now();
          const unused: Grant[] = [];
          for (let i = 1; i <= granted; i++) {
            const grant: Grant = { id: `${prefix}:${i}`, def, route: head.route };
            const w = batch.find((x) => this.waiters.includes(x));
            if (!w) {
              unused.push(grant);
              continue;
            }
            this.waiters.splice(this.waiters.indexOf(w), 1);
            this.running++;
            this.active.add(grant.id);
            this.settle(w, () => w.resolve(grant));
          }
          // Callers that gave up while Redis answered: their tokens go back.
          if (unused.length) this.refund(unused);
          continue;
        }
        if (binding === 3) {
          this.blocked.set(head.field, now + waitMs);
          continue;
        }
        await this.nap(waitMs, false);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Sleeps ms. A nap for a route's limit also ends when a new caller arrives (it may be for another
   * route); any nap ends at once when the bucket stops or falls back to limiting alone.
   */
  private nap(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === wake) this.wake = undefined;
        resolve();
      };
      const wake = () => {
        if (wakeable || this.stopped || this.mode !== 'redis') done();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wake = wake;
    });
  }

  private async acquire(route: string, field: string, want: number): Promise<[AcquireReply, string]> {
    const prefix = `${this.clientId}.${++this.seq}`;
    const debt = this.debt;
    const recent = Date.now() - this.lastActive < this.ttlMs - 60_000 + 1000;
    this.stats.redisCalls++;
    const reply = (await this.conn.client.incidentIoAcquire(
      this.keys.bucket,
      this.keys.pause,
      this.keys.gates,
      this.gateKey(field),
      this.keys.inflight,
      this.opts.burst,
      this.ratePerMs,
      recent ? 1 : 0,
      debt,
      field,
      this.gates.get(route) ?? '',
      want,
      prefix,
      this.opts.redis.jobExpirationMs,
      this.ttlMs
    )) as AcquireReply;
    this.debt -= debt;
    return [reply, prefix];
  }

  private done(grant: Grant): void {
    this.running--;
    this.active.delete(grant.id);
    // After stop(), the connection may be closing: stop() released every grant already.
    if (!this.stopped) this.background(this.release([grant.id]));
    if (this.waiters.length) void this.pump();
  }

  private release(ids: string[]): Promise<unknown> {
    return this.conn.client.incidentIoRelease(
      this.keys.bucket,
      this.keys.inflight,
      this.opts.burst,
      this.ratePerMs,
      this.ttlMs,
      ...ids
    );
  }

  private refund(grants: Grant[]): void {
    if (!grants.length) return;
    const def = grants[0].def;
    this.background(
      this.conn.client.incidentIoRefund(
        this.keys.bucket,
        this.gateKey(routeField(grants[0].route)),
        this.keys.inflight,
        this.opts.burst,
        this.ratePerMs,
        this.ttlMs,
        def,
        ...grants.map((g) => g.id)
      )
    );
  }

  private gateKey(field: string): string {
    return `${this.id}:gate:${field}`;
  }
}

/** An ioredis failure as a short reason, without the URL (which may hold a password). */
export function describeRedisError(e: unknown): string {
  const err = e as { code?: string; message?: string; name?: string };
  const text = String(err.code ?? err.message ?? err.name ?? 'unknown error');
  if (/max retries per request|Connection is closed|Stream isn't writeable/i.test(text))
    return 'connection lost';
  if (/timed out/i.test(text)) return 'no answer in time';
  return text.replace(/redis(s)?:\/\/\S*/g, '<redis url>');
}
