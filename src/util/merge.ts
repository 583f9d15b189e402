// Runs up to `concurrency` async generators at once and yields their items as they arrive; each
// generator's own order is kept. Generators start lazily, in order, as earlier ones finish.
export async function* mergeConcurrent<T>(
  factories: Array<() => AsyncGenerator<T>>,
  concurrency: number
): AsyncGenerator<T> {
  type Pending = Promise<{ it: AsyncGenerator<T>; res: IteratorResult<T> }>;
  const active = new Map<AsyncGenerator<T>, Pending>();
  let started = 0;
  const pull = (it: AsyncGenerator<T>) => {
    const p: Pending = it.next().then((res) => ({ it, res }));
    active.set(it, p);
  };
  const startMore = () => {
    while (active.size < concurrency && started < factories.length) pull(factories[started++]());
  };
  startMore();
  try {
    while (active.size > 0) {
      const { it, res } = await Promise.race(active.values());
      if (res.done) {
        active.delete(it);
        startMore();
        continue;
      }
      // Ask for the next item only after this one is consumed: back-pressure per generator.
      yield res.value;
      pull(it);
    }
  } finally {
    // The consumer stopped (or one generator threw): close the others so they release resources.
    await Promise.allSettled([...active.keys()].map((it) => it.return(undefined)));
  }
}
