// Round-trip times of recent requests, for sizing how many pages to keep in flight. A low percentile,
// not the mean: when this process (or the server) is the bottleneck, each extra request in flight
// lengthens every round trip, and sizing concurrency from the mean would then feed on itself.

const WINDOW = 32;

export class LatencyTracker {
  private readonly samples: number[] = [];
  private next = 0;
  /** typicalMs as last computed; read far more often than a round trip ends (every page asked for). */
  private cached?: number;

  record(ms: number): void {
    if (this.samples.length < WINDOW) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    this.cached = undefined;
  }

  /** The 25th percentile of the last 32 round trips (ms), or undefined before the first. */
  get typicalMs(): number | undefined {
    if (this.samples.length === 0) return undefined;
    if (this.cached === undefined) {
      const sorted = [...this.samples].sort((a, b) => a - b);
      this.cached = sorted[Math.floor((sorted.length - 1) / 4)];
    }
    return this.cached;
  }
}
