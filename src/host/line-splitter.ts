// Splits a byte stream into lines without ever holding more than `maxBytes` of one line: readline
// builds each line as a string, and a line of a few hundred megabytes ends the process with
// "Invalid string length" (or exhausts the heap) before anything can reject it. A line over the
// limit is counted, not kept, and comes out as `oversize` with its length.

export type InputLine =
  /** A line's bytes, without its "\n" or "\r\n". */
  | { lineNo: number; bytes: Buffer }
  /** A line longer than the limit: only its length (bytes, without the line break) is known. */
  | { lineNo: number; oversize: number };

const LF = 0x0a;
const CR = 0x0d;

export async function* splitLines(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number
): AsyncGenerator<InputLine> {
  let parts: Buffer[] = [];
  let kept = 0;
  /** Bytes of the current line when it went over the limit (then nothing more is kept). */
  let over: number | undefined;
  let lineNo = 1;
  let pendingCr = false;

  const finish = (): InputLine => {
    let line: InputLine;
    if (over !== undefined) {
      line = { lineNo, oversize: over - (pendingCr ? 1 : 0) };
    } else {
      let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, kept);
      if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
      line = { lineNo, bytes };
    }
    parts = [];
    kept = 0;
    over = undefined;
    pendingCr = false;
    lineNo++;
    return line;
  };

  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let pos = 0;
    while (pos <= buf.length) {
      const nl = buf.indexOf(LF, pos);
      const end = nl < 0 ? buf.length : nl;
      const piece = buf.subarray(pos, end);
      if (piece.length > 0) {
        pendingCr = piece[piece.length - 1] === CR;
        if (over !== undefined) over += piece.length;
        // One byte of slack for a "\r" before the "\n".
        else if (kept + piece.length > maxBytes + 1) {
          over = kept + piece.length;
          parts = [];
          kept = 0;
        } else {
          parts.push(piece);
          kept += piece.length;
        }
      }
      if (nl < 0) break;
      const line = finish();
      // The "\r" slack must not let a line of maxBytes + 1 bytes without one through.
      if ('bytes' in line && line.bytes.length > maxBytes)
        yield { lineNo: line.lineNo, oversize: line.bytes.length };
      else yield line;
      pos = nl + 1;
    }
  }
  if (over !== undefined || kept > 0) {
    const line = finish();
    if ('bytes' in line && line.bytes.length > maxBytes)
      yield { lineNo: line.lineNo, oversize: line.bytes.length };
    else yield line;
  }
}
