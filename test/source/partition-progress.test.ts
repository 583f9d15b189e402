// Which partition of a backfill is asked for next: the one with the most records left, estimated from
// how far into its window it has read, so that dense partitions do not end the read paging alone.
import { PartitionProgress } from '../../src/source/partition-progress';
import type { TimePartition } from '../../src/source/state';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
const page = (...seconds: number[]) => seconds.map((s) => Date.parse(at(s)));
const NOW = Date.UTC(2026, 0, 1) + 400_000;

describe('PartitionProgress', () => {
  test('partitions not yet started go first, in queue order', () => {
    const p = new PartitionProgress(true, () => NOW);
    const a: TimePartition = { from: at(0), to: at(100) };
    const b: TimePartition = { from: at(100), to: at(200) };
    const c: TimePartition = { from: at(200) };
    p.note(a, page(99, 98));
    expect(p.remaining(b)).toBe(Infinity);
    const queue = [a, b, c];
    expect(p.takeLargest(queue)).toBe(b);
    expect(p.takeLargest(queue)).toBe(c);
    expect(p.takeLargest(queue)).toBe(a);
    expect(p.takeLargest(queue)).toBeUndefined();
  });

  test('newest first: the records left follow the part of the window not read yet', () => {
    const p = new PartitionProgress(true, () => NOW);
    const dense: TimePartition = { from: at(0), to: at(100) };
    const sparse: TimePartition = { from: at(100), to: at(200) };
    // 10 records over the last 10 s of `dense` (90 s left); 10 over the last 90 s of `sparse` (10 s left).
    p.note(dense, page(99, 98, 97, 96, 95, 94, 93, 92, 91, 90));
    p.note(sparse, page(199, 190, 180, 170, 160, 150, 140, 130, 120, 110));
    expect(p.remaining(dense)).toBeCloseTo(90, 5);
    expect(p.remaining(sparse)).toBeCloseTo(10 / 9, 5);
    const queue = [sparse, dense];
    expect(p.takeLargest(queue)).toBe(dense);
    // Pages add up: 10 more records, 10 s further down.
    p.note(dense, page(89, 88, 87, 86, 85, 84, 83, 82, 81, 80));
    expect(p.remaining(dense)).toBeCloseTo(80, 5);
  });

  test('oldest first, and an open last partition that ends now', () => {
    const p = new PartitionProgress(false, () => NOW);
    const open: TimePartition = { from: at(300) };
    p.note(open, page(300, 310, 320, 330, 340, 350, 360, 370, 380, 390));
    // 10 records over 90 s read; 10 s left until now (400 s).
    expect(p.remaining(open)).toBeCloseTo(10 / 9, 5);
  });

  test('a partition read to its edge has nothing left; times that do not parse place nothing', () => {
    const p = new PartitionProgress(true, () => NOW);
    const part: TimePartition = { from: at(0), to: at(100) };
    p.note(part, [undefined, Date.parse(at(0))]);
    expect(p.remaining(part)).toBe(0);
    const blank: TimePartition = { from: at(0), to: at(100) };
    p.note(blank, [undefined]);
    expect(p.remaining(blank)).toBe(Infinity);
  });
});
