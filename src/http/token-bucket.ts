// A bottleneck limiter shaped like incident.io's token bucket: a reservoir of `burst` tokens that
// refills continuously at `refillPerSecond`. bottleneck's own reservoirIncrease loses the fraction of
// an interval on every late heartbeat, so the refill is computed here from elapsed time instead.
import Bottleneck from 'bottleneck';

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
  private lastRefill = Date.now();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(opts: TokenBucketOptions) {
    this.id = opts.id;
    this.burst = opts.burst;
    this.refillPerSecond = opts.refillPerSecond;
    this.limiter = new Bottleneck({
      id: opts.id,
      reservoir: opts.burst,
      maxConcurrent: opts.maxConcurrent ?? null,
    });
    // A throwing 'error' listener recurses in bottleneck; keep it inert (libraries.md §1.5).
    this.limiter.on('error', () => undefined);
    this.timer = setInterval(() => void this.refill(), opts.tickMs ?? 20);
    this.timer.unref();
  }

  get capacity(): { burst: number; refillPerSecond: number } {
    return { burst: this.burst, refillPerSecond: this.refillPerSecond };
  }

  /** Runs fn once a token (and a concurrency slot) is available. */
  schedule<T>(fn: () => Promise<T>, opts: { priority?: number } = {}): Promise<T> {
    return this.limiter.schedule({ priority: opts.priority ?? 5 }, fn);
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
    if (target < current) await this.limiter.incrementReservoir(target - current);
  }

  /** Changes the bucket shape (a tighter limit learned from the API). */
  async reshape(burst: number, refillPerSecond: number): Promise<void> {
    this.burst = burst;
    this.refillPerSecond = refillPerSecond;
    await this.lowerTo(burst);
  }

  private async refill(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const elapsed = now - this.lastRefill;
    this.lastRefill = now;
    const current = await this.tokens();
    const add = Math.min((elapsed / 1000) * this.refillPerSecond, this.burst - current);
    if (add > 0) await this.limiter.incrementReservoir(add);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}
