// Runs fn over an (async) iterable with up to `concurrency` calls in flight and yields the results in
// input order, reading input only as fast as results are consumed (nothing buffers a whole stream).
// A function as `concurrency` is asked again before each call (e.g. a key's in-flight target).
export async function* mapOrdered<T, R>(
  input: AsyncIterable<T> | Iterable<T>,
  concurrency: number | (() => number),
  fn: (item: T, index: number) => Promise<R>
): AsyncGenerator<R> {
  const limit = typeof concurrency === 'function' ? concurrency : () => concurrency;
  const window: Array<Promise<R>> = [];
  let index = 0;
  for await (const item of input as AsyncIterable<T>) {
    const p = fn(item, index++);
    // Keep the rejection handled until we await it in order.
    p.catch(() => undefined);
    window.push(p);
    while (window.length >= Math.max(1, limit())) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
}
