// Pulls from an async generator ahead of its consumer, until `ahead` boundary items beyond the one
// being consumed are buffered (a page's state): a parent stream's next page is then already on its
// way while the children of this one are read, instead of after them.
export async function* readAhead<T>(
  source: AsyncGenerator<T>,
  isBoundary: (item: T) => boolean,
  ahead = 1
): AsyncGenerator<T> {
  const buffer: T[] = [];
  let boundaries = 0;
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const producer = (async () => {
    try {
      while (!stopped) {
        if (boundaries > ahead) {
          await new Promise<void>((resolve) => (wakeProducer = resolve));
          continue;
        }
        const next = await source.next();
        if (next.done) break;
        buffer.push(next.value);
        if (isBoundary(next.value)) boundaries++;
        wakeConsumer?.();
      }
    } catch (error) {
      failure = { error };
    }
    finished = true;
    wakeConsumer?.();
  })();
  try {
    for (;;) {
      if (buffer.length > 0) {
        const item = buffer.shift()!;
        if (isBoundary(item)) {
          boundaries--;
          wakeProducer?.();
        }
        yield item;
        continue;
      }
      if (failure) throw failure.error;
      if (finished) return;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    // Not awaited: a page still on its way is abandoned (the caller's signal cancels it), and the
    // source is closed once it has answered.
    void producer.then(() => source.return(undefined)).catch(() => undefined);
  }
}
