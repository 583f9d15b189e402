// Which partition of a backfill gets the next request. Partitions split a time range evenly, but
// records are not spread evenly over time: paged round robin, the sparse partitions finish first and
// the read ends with a few dense ones paging alone while the key's budget goes unused (measured: the
// last 4 s of a 72 s read at half the refill). Asking next for the partition with the most records
// left makes them all finish together. Records left are estimated from how far into its window a
// partition has read and how many records that part held; a partition not yet started goes first.
import { parseTimestamp } from '../util/time';
import type { TimePartition } from './state';

interface Seen {
  records: number;
  /** The time read up to: the oldest record seen (newest first) or the newest (oldest first). */
  edgeMs: number;
  /** The partition's window, parsed once (no end: the open last partition). */
  fromMs: number;
  toMs?: number;
}

export class PartitionProgress {
  private readonly seen = new WeakMap<TimePartition, Seen>();

  constructor(
    private readonly newestFirst: boolean,
    /** The end of the open last partition. */
    private readonly nowMs: () => number
  ) {}

  /**
   * Notes a page the server returned for `part` (before trimming), by its records' times (undefined
   * where a time does not parse).
   */
  note(part: TimePartition, times: ReadonlyArray<number | undefined>): void {
    const prior = this.seen.get(part);
    let edge = prior?.edgeMs;
    for (const t of times) {
      if (t === undefined) continue;
      if (edge === undefined || (this.newestFirst ? t < edge : t > edge)) edge = t;
    }
    if (edge === undefined) return;
    const window = prior ?? { fromMs: parseTimestamp(part.from) ?? edge, toMs: parseTimestamp(part.to) };
    this.seen.set(part, { ...window, records: (prior?.records ?? 0) + times.length, edgeMs: edge });
  }

  /** Records `part` still holds, estimated; Infinity until a page of it was read. */
  remaining(part: TimePartition): number {
    const seen = this.seen.get(part);
    if (!seen) return Infinity;
    const to = seen.toMs ?? Math.max(this.nowMs(), seen.edgeMs);
    const [covered, left] = this.newestFirst
      ? [to - seen.edgeMs, seen.edgeMs - seen.fromMs]
      : [seen.edgeMs - seen.fromMs, to - seen.edgeMs];
    if (left <= 0) return 0;
    return (seen.records * left) / Math.max(1, covered);
  }

  /** Removes from `queue` and returns the partition with the most records left (the first on ties). */
  takeLargest(queue: TimePartition[]): TimePartition | undefined {
    let best = -1;
    let most = -1;
    queue.forEach((part, i) => {
      const left = this.remaining(part);
      if (left > most) [best, most] = [i, left];
    });
    return best < 0 ? undefined : queue.splice(best, 1)[0];
  }
}
