// `write`'s input, line by line: each non-blank line becomes a record, or a problem that rejects it
// unsent. Lines are kept as the bytes that came in (for the dead-letter file), never as a string over
// the size limit; a line that is not UTF-8 is refused rather than sent with U+FFFD in it; and a number
// that JSON.parse would change (1e400 becomes Infinity, then null; a 30-digit integer loses digits)
// is refused, naming its field, rather than sent changed.
import { isUtf8 } from 'node:buffer';
import { isLosslessNumber, parse as parseLossless, splitNumber } from 'lossless-json';
import type { FieldProblem } from '../errors';
import { nestingDepth } from '../util/nesting';
import { pointerSegment } from '../validation';
import { splitLines } from './line-splitter';

/**
 * The largest input line (one record) `write` reads: incident.io refuses bodies much smaller than
 * what a runaway field (a log pasted into a description) can hold.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Deeper than this, a line is not searched for lossy numbers: the destination rejects it as too deep. */
const MAX_SCANNED_DEPTH = 1000;

export interface InputRecord {
  /** The record's index among the non-blank lines (the result's `index`). */
  index: number;
  lineNo: number;
  /** The line as it came in; absent for a line over the limit. */
  bytes?: Buffer;
  /** Length of a line over the limit. */
  oversize?: number;
  /** The parsed record, when the line is JSON. */
  record?: unknown;
  /** Why the line is rejected unsent, if it is. */
  problems?: FieldProblem[];
}

const BLANK = new Set([0x20, 0x09, 0x0d]);

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (!BLANK.has(b)) return false;
  return true;
}

/**
 * Digit runs that a double might not hold: 16 or more significant digits (a dot may sit among them)
 * or an exponent. Anything else survives JSON.parse exactly, so most lines skip the second parse.
 */
const MAYBE_LOSSY = /\d(?:\.?\d){15}|\d[eE]/;

/**
 * Whether a JSON number text comes out of JSON.parse and JSON.stringify as the same decimal number
 * (9007199254740994 does; 9007199254740993, 1e400 and 1e-400 do not).
 */
export function survivesJson(text: string): boolean {
  const n = Number(text);
  if (!Number.isFinite(n)) return false;
  const [a, b] = [splitNumber(text), splitNumber(String(n))];
  return a.digits === b.digits && a.exponent === b.exponent && (a.sign === b.sign || a.digits === '0');
}

/** Every number in `text` (a JSON document) that JSON.parse would change, by JSON pointer. */
export function lossyNumbers(text: string): FieldProblem[] {
  if (!MAYBE_LOSSY.test(text)) return [];
  // Duplicate keys are JSON.parse's business (the last one wins); only the numbers matter here.
  const tree = parseLossless(text, null, { onDuplicateKey: ({ newValue }) => newValue });
  const problems: FieldProblem[] = [];
  const stack: Array<[unknown, string]> = [[tree, '']];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (isLosslessNumber(v)) {
      if (!survivesJson(v.value)) {
        const shown = v.value.length > 40 ? `${v.value.slice(0, 40)}…` : v.value;
        problems.push({
          field: at || '/',
          reason:
            `is the number ${shown}, which a JSON number (a 64-bit double) cannot hold: it would be sent as ` +
            `${JSON.stringify(Number(v.value))}; send it as a string ("${shown}") or round it`,
        });
      }
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) stack.push([child, `${at}/${pointerSegment(k)}`]);
    }
  }
  return problems.reverse();
}

/** One line's record, or the problems that reject it. */
export function parseLine(index: number, lineNo: number, bytes: Buffer): InputRecord {
  const entry: InputRecord = { index, lineNo, bytes };
  if (!isUtf8(bytes)) {
    entry.problems = [
      {
        field: '/',
        reason: `line ${lineNo} is not valid UTF-8; save the input as UTF-8 (it was not sent, so no character was replaced)`,
      },
    ];
    return entry;
  }
  const text = bytes.toString('utf8');
  try {
    entry.record = JSON.parse(text);
  } catch (e) {
    entry.problems = [{ field: '/', reason: `line ${lineNo} is not valid JSON (${(e as Error).message})` }];
    return entry;
  }
  if (nestingDepth(entry.record, MAX_SCANNED_DEPTH) <= MAX_SCANNED_DEPTH) {
    const lossy = lossyNumbers(text);
    if (lossy.length > 0) entry.problems = lossy;
  }
  return entry;
}

/** The records of a JSON-lines byte stream, in order; blank lines are skipped. */
export async function* readInputRecords(
  input: AsyncIterable<Buffer | string>,
  maxBytes = MAX_RECORD_BYTES
): AsyncGenerator<InputRecord> {
  let index = 0;
  for await (const line of splitLines(input, maxBytes)) {
    if ('oversize' in line) {
      yield {
        index: index++,
        lineNo: line.lineNo,
        oversize: line.oversize,
        problems: [
          {
            field: '/',
            reason:
              `line ${line.lineNo} is ${line.oversize} bytes long; a record may be at most ${maxBytes} bytes ` +
              '(the line was skipped while reading, so no field of it can be named)',
          },
        ],
      };
      continue;
    }
    if (isBlank(line.bytes)) continue;
    yield parseLine(index++, line.lineNo, line.bytes);
  }
}
