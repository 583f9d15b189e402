// Promises in the order they settle. Used instead of `await Promise.race(pending)` in a loop: every
// race adds a reaction to each promise still pending, and a promise pending for long then holds the
// values of every race decided meanwhile (whole pages of records) until it settles itself.

export class CompletionQueue<T> {
  private readonly settled: Array<{ ok: true; value: T } | { ok: false; error: unknown }> = [];
  private wake?: () => void;
  private pending = 0;

  add(promise: Promise<T>): void {
    this.pending++;
    promise.then(
      (value) => this.push({ ok: true, value }),
      (error: unknown) => this.push({ ok: false, error })
    );
  }

  /** Promises added and not yet taken by next(). */
  get size(): number {
    return this.pending;
  }

  /** The value of the earliest settled promise not yet taken (rejects with its error). */
  async next(): Promise<T> {
    while (this.settled.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
    this.pending--;
    const first = this.settled.shift()!;
    if (!first.ok) throw first.error;
    return first.value;
  }

  private push(entry: { ok: true; value: T } | { ok: false; error: unknown }): void {
    this.settled.push(entry);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
