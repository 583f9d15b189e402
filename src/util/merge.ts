// Runs up to `concurrency` async generators at once and yields their items as they arrive; each
// generator's own order is kept. Generators start lazily, in order, as earlier ones finish (or, with
// a function as `concurrency`, as soon as it allows more).
import { CompletionQueue } from './completion-queue';

export async function* mergeConcurrent<T>(
  factories: Array<() => AsyncGenerator<T>>,
  concurrency: number | (() => number)
): AsyncGenerator<T> {
  const limit = typeof concurrency === 'function' ? concurrency : () => concurrency;
  const active = new Set<AsyncGenerator<T>>();
  const ready = new CompletionQueue<{ it: AsyncGenerator<T>; res: IteratorResult<T> }>();
  let started = 0;
  const pull = (it: AsyncGenerator<T>) => {
    active.add(it);
    ready.add(it.next().then((res) => ({ it, res })));
  };
  const startMore = () => {
    while (active.size < Math.max(1, limit()) && started < factories.length) pull(factories[started++]());
  };
  startMore();
  try {
    while (active.size > 0) {
      const { it, res } = await ready.next();
      if (res.done) {
        active.delete(it);
        startMore();
        continue;
      }
      // Ask for the next item only after this one is consumed: back-pressure per generator.
      yield res.value;
      pull(it);
      if (typeof concurrency === 'function') startMore();
    }
  } finally {
    // The consumer stopped (or one generator threw): close the others so they release resources.
    await Promise.allSettled([...active].map((it) => it.return(undefined)));
  }
}
