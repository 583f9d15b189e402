// An append-only JSON-lines file whose appends resolve only once they are fsynced. Appends that arrive
// while a write is on disk are written together by the next one (group commit), so a burst of
// deliveries costs a few fsyncs, not one each. A line torn by a crash is cut off when it is reopened.
// Lines are kept as text and parsed when read: reopening a long log costs a split, not a parse of all.
import fs from 'node:fs';
import path from 'node:path';
import { ConnectorError } from '../../errors';

export class DurableLog<T> {
  private readonly fd: number;
  private readonly lines: string[] = [];
  private queue: Array<{ line: string; done: () => void; fail: (e: Error) => void }> = [];
  private writing = false;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    // Only whole lines count: a crash mid-write leaves a last line without its newline.
    const good = text.lastIndexOf('\n') + 1;
    if (good > 0) this.lines.push(...text.slice(0, good - 1).split('\n'));
    if (good < text.length) fs.truncateSync(file, Buffer.byteLength(text.slice(0, good), 'utf8'));
    this.fd = fs.openSync(file, 'a', 0o600);
  }

  /** Entries from `from` (0-based) on, as written. */
  slice(from: number, to = this.lines.length): T[] {
    return this.lines.slice(from, to).map((l) => JSON.parse(l) as T);
  }

  get length(): number {
    return this.lines.length;
  }

  at(i: number): T | undefined {
    const line = this.lines[i];
    return line === undefined ? undefined : (JSON.parse(line) as T);
  }

  /** The entry's line as written (JSON). */
  raw(i: number): string | undefined {
    return this.lines[i];
  }

  /** Resolves once the entry is on disk (fsynced); its index is `length - 1` from then on. */
  append(entry: T): Promise<void> {
    return new Promise((done, fail) => {
      this.queue.push({ line: JSON.stringify(entry), done, fail });
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
    const bytes = Buffer.from(batch.map((b) => `${b.line}\n`).join(''), 'utf8');
    fs.write(this.fd, bytes, 0, bytes.length, null, (err) => {
      if (err) return this.failAll(batch, err);
      fs.fdatasync(this.fd, (syncErr) => {
        if (syncErr) return this.failAll(batch, syncErr);
        for (const b of batch) this.lines.push(b.line);
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
