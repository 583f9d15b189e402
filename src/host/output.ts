// Buffered, redacted JSON-lines output: one write per ~64 KB instead of one per record, honouring
// back-pressure, so a fast read is not bound by stdout.
import type { Writable } from 'node:stream';
import type { Redactor } from './redact';

export class JsonLinesWriter {
  private buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly out: Writable,
    private readonly redactor: Redactor,
    private readonly flushBytes = 64 * 1024
  ) {}

  async write(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    this.buffer.push(line);
    this.size += line.length;
    if (this.size >= this.flushBytes) await this.flush();
  }

  /**
   * Resolves once the buffered lines have left this process (handed to the OS), not merely been
   * queued: stdout on a pipe is asynchronous once the pipe is full, and a state file saved while the
   * records before it still sit in the queue would, after a crash, skip records never printed.
   */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = this.redactor.redact(this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
    await new Promise<void>((resolve) => {
      // An error (the reader went away) settles the write too, as before.
      const done = () => {
        this.out.off('error', done);
        resolve();
      };
      this.out.once('error', done);
      this.out.write(chunk, done);
    });
  }
}
