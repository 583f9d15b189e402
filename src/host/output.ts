// Buffered, redacted JSON-lines output: one write per ~64 KB instead of one per record, honouring
// back-pressure, so a fast read is not bound by stdout.
import type { Writable } from 'node:stream';
import { ConnectorError } from '../errors';
import type { Redactor } from './redact';

/**
 * The reader of our output went away (`read … | head`): nothing more can be delivered, so the run
 * stops, and no state is saved past the records that were delivered.
 */
export class OutputClosedError extends ConnectorError {
  constructor(cause: string) {
    super('system', `the output was closed by its reader (${cause}); stopped`, { code: 'output_closed' });
  }
}

export class JsonLinesWriter {
  private buffer: string[] = [];
  private size = 0;
  /** The first error of the stream (EPIPE when the reader is gone): every later flush reports it. */
  private failure?: OutputClosedError;

  constructor(
    private readonly out: Writable,
    private readonly redactor: Redactor,
    private readonly flushBytes = 64 * 1024
  ) {
    // Always listened to: an 'error' with no listener would end the process with a stack trace.
    out.on('error', (e: NodeJS.ErrnoException) => {
      this.failure ??= new OutputClosedError(e.code ?? e.message);
    });
  }

  async write(value: unknown): Promise<void> {
    if (this.failure) throw this.failure;
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
    if (this.failure) throw this.failure;
    if (this.buffer.length === 0) return;
    const chunk = this.redactor.redact(this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
    await new Promise<void>((resolve) => {
      // An error settles the write too: the persistent listener has recorded it by then.
      const done = () => {
        this.out.off('error', done);
        resolve();
      };
      this.out.once('error', done);
      this.out.write(chunk, done);
    });
    // Not delivered: whoever flushes before saving a state must not save it.
    if (this.failure) throw this.failure;
  }

  /** Flushes what can still be delivered; a closed output is not an error any more at this point. */
  async settle(): Promise<void> {
    await this.flush().catch((e: unknown) => {
      if (!(e instanceof OutputClosedError)) throw e;
    });
  }
}
