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
}

export class PartitionProgress {
  private readonly seen = new WeakMap<TimePartition, Seen>();

  constructor(
    private readonly field: string,
    private readonly newestFirst: boolean,
    /** The end of the open last partition. */
    private readonly nowMs: () => number
  ) {}

  /** Notes a page the server returned for `part` (before trimming). */
  note(part: TimePartition, records: ReadonlyArray<Record<string, unknown>>): void {
    const times = records
      .map((r) => parseTimestamp(r[this.field]))
      .filter((t): t is number => t !== undefined);
    const prior = this.seen.get(part);
    const edges = prior ? [prior.edgeMs, ...times] : times;
    if (edges.length === 0) return;
    this.seen.set(part, {
      records: (prior?.records ?? 0) + records.length,
      edgeMs: this.newestFirst ? Math.min(...edges) : Math.max(...edges),
    });
  }

  /** Records `part` still holds, estimated; Infinity until a page of it was read. */
  remaining(part: TimePartition): number {
    const seen = this.seen.get(part);
    if (!seen) return Infinity;
    const from = parseTimestamp(part.from) ?? seen.edgeMs;
    const to = parseTimestamp(part.to) ?? Math.max(this.nowMs(), seen.edgeMs);
    const [covered, left] = this.newestFirst
      ? [to - seen.edgeMs, seen.edgeMs - from]
      : [seen.edgeMs - from, to - seen.edgeMs];
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
