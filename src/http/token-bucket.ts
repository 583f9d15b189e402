// A bottleneck limiter shaped like incident.io's token bucket: a reservoir of `burst` tokens that
// refills continuously at `refillPerSecond`. bottleneck's own reservoirIncrease loses the fraction of
// an interval on every late heartbeat, so the refill is computed here from elapsed time instead.
//
// The refill follows an exact continuous bucket (`model`) that is capped at `burst` at the moment
// each token is taken, not only at the ticks: crediting a whole tick's refill to a bucket that was
// full for part of that tick would let a request start up to one tick early, which a server with the
// same bucket counts as over the limit. Credit accrued in the model reaches bottleneck's reservoir on
// the next tick, so the reservoir is never ahead of the model.
//
// A request in flight counts against the burst until it is answered: the server takes its token only
// when the request arrives, and its bucket, full meanwhile, refills nothing. Capping the model at
// burst - in flight keeps it at or below the server's bucket whatever the transit delays, so requests
// sent apart that arrive together still find tokens (with random transit delays, a plain model ran
// ahead of the server by the refill of one transit and was answered 429).
import Bottleneck from 'bottleneck';
import { CancelledError } from '../errors';
import { abortable } from '../util/clock';

export interface TokenBucketOptions {
  id: string;
  burst: number;
  refillPerSecond: number;
  maxConcurrent?: number;
  /** How often the reservoir is topped up (ms). Smaller is smoother. */
  tickMs?: number;
}

export class TokenBucket {
  readonly id: string;
  private readonly limiter: Bottleneck;
  private burst: number;
  private refillPerSecond: number;
  /** Tokens of the continuous bucket as of `modelAt` (may go below 0 after a correction). */
  private model: number;
  private modelAt = Date.now();
  /** Refill accrued in the model that bottleneck's reservoir has not been given yet. */
  private pending = 0;
  /** Jobs started and not settled: requests sent and not answered yet. */
  private inFlight = 0;
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(opts: TokenBucketOptions) {
    this.id = opts.id;
    this.burst = opts.burst;
    this.refillPerSecond = opts.refillPerSecond;
    this.model = opts.burst;
    this.limiter = new Bottleneck({
      id: opts.id,
      reservoir: opts.burst,
      maxConcurrent: opts.maxConcurrent ?? null,
    });
    // A throwing 'error' listener recurses in bottleneck; keep it inert (bottleneck re-emits errors from its listeners).
    this.limiter.on('error', () => undefined);
    // bottleneck's local datastore waits a setTimeout(0) before every operation, and submits jobs one
    // at a time: with the event loop busy parsing pages, that caps a process near one job per loop
    // turn (measured: ~250 jobs/s with 2 ms of work per job). A microtask keeps each one asynchronous.
    const store = (this.limiter as unknown as { _store?: { yieldLoop?: unknown } })._store;
    if (store && typeof store.yieldLoop === 'function') store.yieldLoop = () => Promise.resolve();
    this.timer = setInterval(() => void this.refill(), opts.tickMs ?? 20);
    this.timer.unref();
  }

  get capacity(): { burst: number; refillPerSecond: number } {
    return { burst: this.burst, refillPerSecond: this.refillPerSecond };
  }

  /**
   * Runs fn once a token (and a concurrency slot) is available. With a signal, an abort rejects at
   * once with CancelledError, even while the job is still queued; a queued job that was aborted sends
   * nothing and gives its token back.
   */
  schedule<T>(fn: () => Promise<T>, opts: { priority?: number; signal?: AbortSignal } = {}): Promise<T> {
    const { signal } = opts;
    // While a caller waits for a token, the refill timer is all that will wake it: it must keep the
    // process alive (unref'd, Node exits with code 0 mid-run once every caller waits for tokens).
    this.timer.ref();
    const job = this.limiter.schedule({ priority: opts.priority ?? 5 }, async () => {
      // bottleneck has just taken a token from the reservoir.
      if (signal?.aborted) {
        this.pending += 1; // returned to the reservoir on the next tick
        throw new CancelledError();
      }
      this.advance(Date.now());
      this.model -= 1;
      this.inFlight += 1;
      try {
        return await fn();
      } finally {
        this.advance(Date.now());
        this.inFlight -= 1;
      }
    });
    const idle = () => {
      if (this.limiter.queued() === 0) this.timer.unref();
    };
    job.then(idle, idle);
    return abortable(job, signal);
  }

  /**
   * Gives back one token taken by a job that then sent nothing (it found the key paused). Never fills
   * the bucket above its burst less the other requests in flight (the job itself ends next).
   */
  refund(): void {
    this.advance(Date.now());
    const back = Math.min(1, this.burst - Math.max(0, this.inFlight - 1) - this.model);
    if (back > 0) {
      this.model += back;
      this.pending += back;
    }
  }

  async tokens(): Promise<number> {
    return (await this.limiter.currentReservoir()) ?? 0;
  }

  queued(): number {
    return this.limiter.queued();
  }

  running(): number {
    return (this.limiter as unknown as { _store: { _running: number } })._store._running ?? 0;
  }

  /** Lowers the reservoir to at most `tokens` (never raises it): corrections from the server. */
  async lowerTo(tokens: number): Promise<void> {
    const current = await this.tokens();
    const target = Math.max(0, Math.floor(tokens));
    if (target < current) {
      const now = (await this.limiter.incrementReservoir(target - current)) ?? target;
      // The server is authoritative: the model (and credit not yet handed over) drop with it.
      this.advance(Date.now());
      this.pending = 0;
      this.model = Math.min(this.model, now);
    }
  }

  /** Changes the bucket shape (a tighter limit learned from the API). */
  async reshape(burst: number, refillPerSecond: number): Promise<void> {
    this.advance(Date.now());
    this.burst = burst;
    this.refillPerSecond = refillPerSecond;
    this.model = Math.min(this.model, burst);
    this.pending = Math.min(this.pending, Math.max(0, this.model));
    await this.lowerTo(burst);
  }

  /**
   * Moves the continuous bucket to `now`, capped at its burst less the requests in flight (called
   * whenever that number changes); the increase is owed to the reservoir.
   */
  private advance(now: number): void {
    const elapsed = Math.max(0, now - this.modelAt);
    this.modelAt = Math.max(this.modelAt, now);
    const cap = Math.max(0, this.burst - this.inFlight);
    const next = Math.min(cap, this.model + (elapsed / 1000) * this.refillPerSecond);
    if (next > this.model) {
      this.pending += next - this.model;
      this.model = next;
    }
  }

  private async refill(): Promise<void> {
    if (this.stopped) return;
    this.advance(Date.now());
    const add = this.pending;
    this.pending = 0;
    if (add > 0) {
      const reached = (await this.limiter.incrementReservoir(add)) ?? 0;
      // Summed fractions can pass the burst by a rounding error; the bucket never holds more.
      if (reached > this.burst) await this.limiter.incrementReservoir(this.burst - reached);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}
