// The queue that replaced `await Promise.race(pending)` loops: values come out in the order their
// promises settle, rejections come out as throws, and a slow promise does not hold the others.
import { CompletionQueue } from '../../src/util/completion-queue';
import { mergeConcurrent } from '../../src/util/merge';

const later = <T>(ms: number, v: T) => new Promise<T>((r) => setTimeout(() => r(v), ms));

describe('CompletionQueue', () => {
  it('yields values in the order they settle, not the order they were added', async () => {
    const q = new CompletionQueue<string>();
    q.add(later(30, 'slow'));
    q.add(later(5, 'fast'));
    q.add(Promise.resolve('now'));
    expect(q.size).toBe(3);
    expect([await q.next(), await q.next(), await q.next()]).toEqual(['now', 'fast', 'slow']);
    expect(q.size).toBe(0);
  });

  it('throws a rejection when its turn comes, and goes on afterwards', async () => {
    const q = new CompletionQueue<number>();
    q.add(Promise.reject(new Error('boom')));
    q.add(later(5, 2));
    await expect(q.next()).rejects.toThrow('boom');
    await expect(q.next()).resolves.toBe(2);
  });

  it('lets a value settle before anyone waits for it', async () => {
    const q = new CompletionQueue<number>();
    q.add(Promise.resolve(1));
    await later(5, null);
    await expect(q.next()).resolves.toBe(1);
  });
});

describe('mergeConcurrent', () => {
  async function* gen(name: string, n: number, ms: number) {
    for (let i = 0; i < n; i++) yield `${name}${await later(ms, i)}`;
  }

  it('keeps each generator in order and interleaves them as they produce', async () => {
    const out: string[] = [];
    for await (const v of mergeConcurrent([() => gen('a', 3, 1), () => gen('b', 2, 25)], 2)) out.push(v);
    expect(out.filter((v) => v.startsWith('a'))).toEqual(['a0', 'a1', 'a2']);
    expect(out.filter((v) => v.startsWith('b'))).toEqual(['b0', 'b1']);
    // The fast generator is not held back behind the slow one.
    expect(out.indexOf('a2')).toBeLessThan(out.indexOf('b1'));
  });

  it('rethrows a generator failure and closes the others', async () => {
    let closed = false;
    async function* failing() {
      yield 'x';
      throw new Error('stream broke');
    }
    async function* endless() {
      try {
        for (;;) yield await later(5, 'y');
      } finally {
        closed = true;
      }
    }
    const run = async () => {
      for await (const _ of mergeConcurrent([failing, endless], 2)) void _;
    };
    await expect(run()).rejects.toThrow('stream broke');
    expect(closed).toBe(true);
  });
});
