// An append-only JSON-lines file whose appends resolve only once they are fsynced. Appends that arrive
// while a write is on disk are written together by the next one (group commit), so a burst of
// deliveries costs a few fsyncs, not one each. A line torn by a crash is cut off when it is reopened.
import fs from 'node:fs';
import path from 'node:path';
import { ConnectorError } from '../../errors';

export class DurableLog<T> {
  private readonly fd: number;
  private readonly entries: T[] = [];
  private queue: Array<{ line: string; entry: T; done: () => void; fail: (e: Error) => void }> = [];
  private writing = false;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    let good = 0;
    for (const line of text.split('\n')) {
      // Only whole lines count: a crash mid-write leaves a last line without its newline.
      if (good + line.length >= text.length) break;
      try {
        this.entries.push(JSON.parse(line) as T);
      } catch {
        break;
      }
      good += line.length + 1;
    }
    if (good < text.length) fs.truncateSync(file, good);
    this.fd = fs.openSync(file, 'a', 0o600);
  }

  /** Entries from `from` (0-based) on, as written. */
  slice(from: number): T[] {
    return this.entries.slice(from);
  }

  get length(): number {
    return this.entries.length;
  }

  at(i: number): T | undefined {
    return this.entries[i];
  }

  /** Resolves once the entry is on disk (fsynced); its index is `length - 1` from then on. */
  append(entry: T): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ line: `${JSON.stringify(entry)}\n`, entry, done, fail });
      if (!this.writing) setImmediate(() => this.flush());
      this.writing = true;
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) {
      this.writing = false;
      return;
    }
    const bytes = Buffer.from(batch.map((b) => b.line).join(''), 'utf8');
    fs.write(this.fd, bytes, 0, bytes.length, null, (err) => {
      if (err) return this.failAll(batch, err);
      fs.fdatasync(this.fd, (syncErr) => {
        if (syncErr) return this.failAll(batch, syncErr);
        for (const b of batch) this.entries.push(b.entry);
        for (const b of batch) b.done();
        this.flush();
      });
    });
  }

  private failAll(batch: typeof this.queue, err: NodeJS.ErrnoException): void {
    const e = new ConnectorError('system', `cannot write ${this.file} (${err.code ?? err.message})`);
    for (const b of batch) b.fail(e);
    this.flush();
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
