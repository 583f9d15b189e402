// The dead-letter file of `write --dead-letter FILE`: every rejected or failed record as it came in —
// the very bytes of its input line, so a number JSON cannot hold or an odd escape survives — with
// its reason added under "_dead_letter" (which the destination ignores, so the line can be fixed and
// fed back). Written through the run's redactor, byte for byte.
import fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { WriteResult } from '../contract';
import { DEAD_LETTER_FIELD } from '../destination/prepare';
import { ConnectorError } from '../errors';
import type { Redactor } from './redact';
import type { InputRecord } from './write-input';

function reasonOf(entry: InputRecord, result: WriteResult): Record<string, unknown> {
  const reason =
    result.status === 'rejected'
      ? { status: 'rejected', message: result.message, problems: result.problems }
      : result.status === 'failed'
        ? {
            status: 'failed',
            message: result.message,
            failureType: result.failureType,
            ...(result.httpStatus !== undefined && { httpStatus: result.httpStatus }),
            ...(result.code !== undefined && { code: result.code }),
            ...(result.requestId !== undefined && { requestId: result.requestId }),
          }
        : {};
  return { index: result.index, line: entry.lineNo, ...reason };
}

/** The offset of the object's closing brace (the last "}" before trailing white space). */
function closingBrace(bytes: Buffer): number {
  let end = bytes.length - 1;
  while (end >= 0 && (bytes[end] === 0x20 || bytes[end] === 0x09 || bytes[end] === 0x0d)) end--;
  return end >= 0 && bytes[end] === 0x7d ? end : -1;
}

/** The line's JSON value when it is one, also for a line that is not UTF-8 (its shape is all that counts). */
function shapeOf(entry: InputRecord): unknown {
  if (entry.record !== undefined || !entry.bytes || isUtf8(entry.bytes)) return entry.record;
  try {
    return JSON.parse(entry.bytes.toString('latin1'));
  } catch {
    return undefined;
  }
}

/** One dead-letter line (with its "\n"): the input line, byte for byte, with the reason spliced in. */
export function deadLetterLine(entry: InputRecord, result: WriteResult): Buffer {
  const why = JSON.stringify(reasonOf(entry, result));
  const r = shapeOf(entry);
  const bytes = entry.bytes;
  if (bytes && r && typeof r === 'object' && !Array.isArray(r)) {
    const brace = closingBrace(bytes);
    if (brace >= 0) {
      // The reason goes last, so that for a line fed back with an older reason, JSON's last key wins.
      const sep = Object.keys(r).length > 0 ? ',' : '';
      return Buffer.concat([bytes.subarray(0, brace), Buffer.from(`${sep}"${DEAD_LETTER_FIELD}":${why}}\n`)]);
    }
  }
  // Not an object (or not JSON): the line itself, to be replaced by a fixed record.
  const line =
    bytes === undefined
      ? { _line_not_copied: `${entry.oversize} bytes, over the size limit` }
      : isUtf8(bytes)
        ? { _line: bytes.toString('utf8') }
        : { _line_base64: bytes.toString('base64') };
  return Buffer.from(`{"${DEAD_LETTER_FIELD}":${why},${JSON.stringify(line).slice(1)}\n`);
}

/** The file, written in ~64 KB blocks; a write error is reported, never left unhandled. */
export class DeadLetterFile {
  private readonly stream: fs.WriteStream;
  private buffer: Buffer[] = [];
  private size = 0;
  private error?: Error;
  count = 0;

  /** Opens (and truncates) `file` at once, so a path that cannot be written fails before any request. */
  constructor(
    readonly file: string,
    private readonly redactor: Redactor
  ) {
    const fd = fs.openSync(file, 'w', 0o600);
    this.stream = fs.createWriteStream(file, { fd });
    this.stream.on('error', (e) => {
      this.error ??= e;
    });
  }

  async write(line: Buffer): Promise<void> {
    this.count++;
    this.buffer.push(line);
    this.size += line.length;
    if (this.size >= 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length > 0 && !this.error) {
      const chunk = this.redactor.redactBytes(Buffer.concat(this.buffer, this.size));
      this.buffer = [];
      this.size = 0;
      await new Promise<void>((resolve) => this.stream.write(chunk, () => resolve()));
    }
    this.check();
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.stream.end(resolve));
    this.check();
  }

  private check(): void {
    if (this.error) {
      const code = (this.error as NodeJS.ErrnoException).code ?? this.error.message;
      throw new ConnectorError('system', `cannot write the dead-letter file ${this.file} (${code})`);
    }
  }
}
