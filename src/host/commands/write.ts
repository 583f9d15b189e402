// `write`: JSON lines in (a file or stdin), one result line per input line out, in input order, and a
// summary on stderr. A line that is not JSON is a rejected result like any other bad record.
// --dead-letter FILE: every rejected or failed input record, as it came in plus its reason under
// "_dead_letter" (ignored on input), so the file can be fixed and fed back as the next --input.
// --dry-run: validate and resolve names (reads only), send no write, report what would be sent.
import fs from 'node:fs';
import readline from 'node:readline';
import type { WriteResult } from '../../contract';
import { CancelledError, type FieldProblem } from '../../errors';
import { pointerSegment } from '../../validation';
import { EXIT } from '../exit-codes';
import { tuneHeapForStreaming } from '../heap';
import { JsonLinesWriter } from '../output';
import { readJsonFile, Session } from '../session';

export interface WriteCommandOptions {
  action: string;
  input?: string;
  config?: string;
  deadLetter?: string;
  dryRun?: boolean;
}

/** The field of a dead-letter line that carries the reason (the destination ignores it on input). */
export const DEAD_LETTER_FIELD = '_dead_letter';

export interface WriteSummary {
  in: number;
  ok: number;
  rejected: number;
  failed: number;
  outcomes: Record<string, number>;
}

/**
 * The largest input line (one record) `write` sends on: incident.io refuses bodies much smaller than
 * what a runaway field (a log pasted into a description) can hold, so such a record is rejected here,
 * unsent, naming its biggest field.
 */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** The JSON pointer and length of the longest string in a value ('' and 0 when it has none). */
function longestString(value: unknown, at = ''): { field: string; length: number } {
  if (typeof value === 'string') return { field: at, length: value.length };
  let best = { field: at, length: 0 };
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = longestString(v, `${at}/${pointerSegment(k)}`);
      if (found.length > best.length) best = found;
    }
  }
  return best;
}

/**
 * JSON lines of a stream; unparsable or oversized lines become undefined and their problem is kept by
 * index. With `pending`, each line is also kept by index until its result is out (for the dead-letter
 * file).
 */
async function* jsonLines(
  input: NodeJS.ReadableStream,
  badLines: Map<number, FieldProblem>,
  pending?: Map<number, { line: string; record?: unknown }>,
  signal?: AbortSignal
): AsyncGenerator<unknown> {
  // The signal (SIGINT/SIGTERM) ends the input too: a stdin that stays open must not keep the run
  // waiting for lines that may never come.
  const rl = readline.createInterface({ input, crlfDelay: Infinity, signal });
  let index = 0;
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      badLines.set(index, { field: '/', reason: `is not valid JSON (${(e as Error).message})` });
    }
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_RECORD_BYTES) {
      const { field, length } = longestString(record);
      badLines.set(index, {
        field: field || '/',
        reason:
          `makes the record ${bytes} bytes long${length ? ` (this field alone is ${length} characters)` : ''}; ` +
          `a record may be at most ${MAX_RECORD_BYTES} bytes`,
      });
    }
    pending?.set(index, { line, record });
    yield badLines.has(index) ? undefined : record;
    index++;
  }
}

/** One dead-letter line: the record as it came in, with why it was not written. */
export function deadLetter(
  entry: { line: string; record?: unknown },
  result: WriteResult
): Record<string, unknown> {
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
  const why = { index: result.index, ...reason };
  const r = entry.record;
  if (r && typeof r === 'object' && !Array.isArray(r)) return { ...(r as object), [DEAD_LETTER_FIELD]: why };
  // Not an object (or not JSON): the line itself, to be replaced by a fixed record.
  return { [DEAD_LETTER_FIELD]: why, _line: entry.line };
}

export async function runWrite(session: Session, opts: WriteCommandOptions): Promise<number> {
  tuneHeapForStreaming();
  const credential = session.credential();
  const extra = opts.config
    ? (readJsonFile(opts.config, 'the destination config') as Record<string, unknown>)
    : {};
  // The alert source token is a secret like the key: never in any output.
  if (typeof extra.alert_source_token === 'string') session.redactor.add(extra.alert_source_token);
  const destination = session.plugin.createDestination(
    credential,
    { ...extra, action: opts.action },
    session.context()
  );
  const input = !opts.input || opts.input === '-' ? process.stdin : fs.createReadStream(opts.input);
  const out = new JsonLinesWriter(process.stdout, session.redactor);
  const badLines = new Map<number, FieldProblem>();
  const pending = opts.deadLetter ? new Map<number, { line: string; record?: unknown }>() : undefined;
  const deadStream = opts.deadLetter ? fs.createWriteStream(opts.deadLetter, { mode: 0o600 }) : undefined;
  const dead = deadStream ? new JsonLinesWriter(deadStream, session.redactor) : undefined;
  let deadCount = 0;
  const closeDead = async () => {
    if (!dead || !deadStream) return;
    await dead.flush();
    await new Promise<void>((resolve) => deadStream.end(resolve));
  };
  const summary: WriteSummary = { in: 0, ok: 0, rejected: 0, failed: 0, outcomes: {} };
  session.trapSignals();
  const started = Date.now();
  try {
    for await (let result of destination.write(jsonLines(input, badLines, pending, session.abort.signal), {
      signal: session.abort.signal,
      dryRun: opts.dryRun === true,
    })) {
      const problem = badLines.get(result.index);
      if (problem) {
        badLines.delete(result.index);
        result = {
          type: 'result',
          index: result.index,
          status: 'rejected',
          problems: [problem],
          message: `${problem.field} ${problem.reason}`,
        };
      }
      count(summary, result);
      await out.write(result);
      const entry = pending?.get(result.index);
      pending?.delete(result.index);
      if (dead && entry && result.status !== 'ok') {
        deadCount++;
        await dead.write(deadLetter(entry, result));
      }
      if (summary.in % 100 === 0) {
        await out.flush();
        await dead?.flush();
      }
    }
  } catch (e) {
    await out.flush();
    await closeDead();
    if (e instanceof CancelledError || session.interrupted) return interrupted(summary);
    throw e;
  } finally {
    (destination as { close?: () => void }).close?.();
  }
  await out.flush();
  await closeDead();
  // Stopped while waiting for input: the input was cut short, so this is an interrupted run too.
  if (session.interrupted) return interrupted(summary);
  const outcomes = Object.entries(summary.outcomes)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  process.stderr.write(
    session.redactor.redact(
      `write ${opts.action}${opts.dryRun ? ' (dry run: nothing was sent)' : ''}: ${summary.in} in, ` +
        `${summary.ok} ok${outcomes ? ` (${outcomes})` : ''}, ` +
        `${summary.rejected} rejected, ${summary.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s` +
        `${dead ? `; ${deadCount} written to the dead-letter file ${opts.deadLetter}` : ''}\n`
    )
  );
  return summary.rejected + summary.failed > 0 ? EXIT.FAILED : EXIT.OK;
}

function interrupted(summary: WriteSummary): number {
  process.stderr.write(
    `interrupted after ${summary.in} results; re-run the same input: nothing is created twice\n`
  );
  return EXIT.INTERRUPTED;
}

export function count(summary: WriteSummary, result: WriteResult): void {
  summary.in++;
  if (result.status === 'ok') {
    summary.ok++;
    summary.outcomes[result.outcome] = (summary.outcomes[result.outcome] ?? 0) + 1;
  } else if (result.status === 'rejected') summary.rejected++;
  else summary.failed++;
}
