// mapOrdered: the destination's bounded pool. Results come back in input order whatever order the
// calls finish in, at most `concurrency` calls are in flight, and input is read only as needed.
import { mapOrdered } from '../../src/util/ordered-pool';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

test('results are in input order although later items finish first', async () => {
  const finished: number[] = [];
  const input = [0, 1, 2, 3, 4, 5, 6, 7];
  const results = await collect(
    mapOrdered(input, 4, async (x, i) => {
      // Earlier items take longer: completion order is the reverse within each window.
      await delay((8 - x) * 8);
      finished.push(i);
      return `r${x}`;
    })
  );
  expect(results).toEqual(input.map((x) => `r${x}`));
  expect(finished).not.toEqual([...finished].sort((a, b) => a - b));
});

test('never more than `concurrency` calls in flight, and it reaches that many', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  const results = await collect(
    mapOrdered(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (x) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await delay(5 + ((x * 7) % 4) * 5);
        inFlight--;
        return x * 2;
      }
    )
  );
  expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  expect(maxInFlight).toBe(3);
});

test('concurrency 1 runs one at a time', async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  await collect(
    mapOrdered([1, 2, 3], 1, async (x) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await delay(5);
      inFlight--;
      return x;
    })
  );
  expect(maxInFlight).toBe(1);
});

test('reads an async input only as fast as results are consumed', async () => {
  let pulled = 0;
  async function* input() {
    for (let i = 0; i < 100; i++) {
      pulled++;
      yield i;
    }
  }
  const gen = mapOrdered(input(), 4, async (x) => x);
  const first = await gen.next();
  expect(first.value).toBe(0);
  expect(pulled).toBeLessThanOrEqual(5);
  await gen.return(undefined);
});

test('passes the input index and surfaces a failure in its place', async () => {
  const seen: number[] = [];
  const out: string[] = [];
  const gen = mapOrdered(['a', 'b', 'c', 'd'], 2, async (x, i) => {
    seen.push(i);
    if (x === 'c') throw new Error('c failed');
    await delay(5);
    return x;
  });
  await expect(
    (async () => {
      for await (const x of gen) out.push(x);
    })()
  ).rejects.toThrow('c failed');
  expect(out).toEqual(['a', 'b']);
  expect(seen.slice(0, 3)).toEqual([0, 1, 2]);
});

test('an empty input yields nothing', async () => {
  expect(await collect(mapOrdered([], 3, async (x: number) => x))).toEqual([]);
});
