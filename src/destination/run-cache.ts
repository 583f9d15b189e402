// Reads cached for one write run: every list a run needs (severities, a catalog type's entries, the
// follow-ups of an incident) is read once, on first use, and shared by every record of the run. A
// failed read is not cached, so the next record may try again.
export class RunCache {
  private readonly entries = new Map<string, Promise<unknown>>();

  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.entries.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.entries.set(key, p);
      p.catch(() => {
        if (this.entries.get(key) === p) this.entries.delete(key);
      });
    }
    return p;
  }

  /** Forgets a value, so that the next `once` reads it again (after a write that may have landed). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** The value if it was loaded (or is loading), without starting a load. */
  peek<T>(key: string): Promise<T> | undefined {
    return this.entries.get(key) as Promise<T> | undefined;
  }
}
