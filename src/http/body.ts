// Reads a response body into a reused buffer and decodes it once. A page of incidents is 1.4 MB
// arriving in 64 KB chunks over several event-loop turns; collected the usual way (a chunk list,
// Buffer.concat, then a UTF-8 string) every piece outlives a young-generation collection and waits
// in the old generation for a full one, which is most of a long read's peak memory. Here the chunks
// die young, the buffer is reused, and an ASCII body (JSON escapes most of what is not) decodes as
// Latin-1, which for bodies over about a megabyte Node keeps outside the V8 heap.
import { isAscii } from 'node:buffer';
import type { Readable } from 'node:stream';

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/** Buffers larger bodies are copied into; kept for the next body once this one is decoded. */
export class BodyBufferPool {
  private readonly free: Buffer[] = [];
  private pooledBytes = 0;

  constructor(
    private readonly maxBytes = 24 * 1024 * 1024,
    private readonly minSize = 256 * 1024
  ) {}

  take(size: number): Buffer {
    // The smallest free buffer that fits, so that small bodies do not pin the big ones.
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].length >= size && (best < 0 || this.free[i].length < this.free[best].length)) best = i;
    }
    if (best < 0) return Buffer.allocUnsafeSlow(Math.max(size, this.minSize));
    const [buf] = this.free.splice(best, 1);
    this.pooledBytes -= buf.length;
    return buf;
  }

  give(buf: Buffer): void {
    if (this.pooledBytes + buf.length > this.maxBytes) return;
    this.free.push(buf);
    this.pooledBytes += buf.length;
  }

  /** Bytes held for reuse (for tests and diagnostics). */
  get size(): number {
    return this.pooledBytes;
  }
}

const sharedPool = new BodyBufferPool();

/**
 * The whole body as a string (UTF-8, without a byte-order mark). `expectedLength` (Content-Length)
 * sizes the buffer up front; it is a hint, the bytes received decide. Rejects with the stream's error.
 */
export function readBody(
  stream: Readable,
  expectedLength?: number,
  pool: BodyBufferPool = sharedPool
): Promise<string> {
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let buf: Buffer | undefined;
    let length = 0;
    const append = (chunk: Buffer) => {
      if (!buf) buf = pool.take(Math.max(expectedLength ?? 0, length + chunk.length));
      if (length + chunk.length > buf.length) {
        const bigger = pool.take(Math.max(buf.length * 2, length + chunk.length));
        buf.copy(bigger, 0, 0, length);
        pool.give(buf);
        buf = bigger;
      }
      chunk.copy(buf, length);
      length += chunk.length;
    };
    stream.on('data', (chunk: Buffer) => {
      // A body in one chunk (most small pages) is decoded from that chunk, without a copy.
      if (first === undefined && buf === undefined) {
        first = chunk;
        length = chunk.length;
        return;
      }
      if (first !== undefined) {
        const pending = first;
        first = undefined;
        length = 0;
        append(pending);
      }
      append(chunk);
    });
    let settled = false;
    const release = () => {
      settled = true;
      if (buf) pool.give(buf);
      buf = undefined;
    };
    stream.once('end', () => {
      const bytes = first ?? (buf ? buf.subarray(0, length) : Buffer.alloc(0));
      try {
        resolve(decode(bytes));
      } finally {
        release();
      }
    });
    stream.once('error', (e) => {
      release();
      reject(e);
    });
    // Closed with neither: nothing would ever settle this (axios stops listening for the deadline
    // once the stream is closed), so it is a reset like any other cut body.
    stream.once('close', () => {
      if (settled) return;
      release();
      reject(Object.assign(new Error('the response closed before its body ended'), { code: 'ECONNRESET' }));
    });
  });
}

function decode(bytes: Buffer): string {
  const start = bytes.length >= 3 && UTF8_BOM.every((b, i) => bytes[i] === b) ? 3 : 0;
  const body = start ? bytes.subarray(start) : bytes;
  // ASCII decodes the same as Latin-1 and as UTF-8; Latin-1 is a plain copy, and an external string
  // once large.
  return isAscii(body) ? body.toString('latin1') : body.toString('utf8');
}
