// `write`: JSON lines in (a file or stdin), one result line per input line out, in input order, and a
// summary on stderr. A line that is not JSON is a rejected result like any other bad record.
import fs from 'node:fs';
import readline from 'node:readline';
import type { WriteResult } from '../../contract';
import { CancelledError } from '../../errors';
import { EXIT } from '../exit-codes';
import { JsonLinesWriter } from '../output';
import { readJsonFile, Session } from '../session';

export interface WriteCommandOptions {
  action: string;
  input?: string;
  config?: string;
}

export interface WriteSummary {
  in: number;
  ok: number;
  rejected: number;
  failed: number;
  outcomes: Record<string, number>;
}

/** JSON lines of a stream; unparsable lines become undefined and their reason is kept by index. */
async function* jsonLines(
  input: NodeJS.ReadableStream,
  badLines: Map<number, string>
): AsyncGenerator<unknown> {
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  let index = 0;
  for await (const line of rl) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch (e) {
      badLines.set(index, `is not valid JSON (${(e as Error).message})`);
      yield undefined;
    }
    index++;
  }
}

export async function runWrite(session: Session, opts: WriteCommandOptions): Promise<number> {
  const credential = session.credential();
  const extra = opts.config
    ? (readJsonFile(opts.config, 'the destination config') as Record<string, unknown>)
    : {};
  const destination = session.plugin.createDestination(
    credential,
    { ...extra, action: opts.action },
    session.context()
  );
  const input = !opts.input || opts.input === '-' ? process.stdin : fs.createReadStream(opts.input);
  const out = new JsonLinesWriter(process.stdout, session.redactor);
  const badLines = new Map<number, string>();
  const summary: WriteSummary = { in: 0, ok: 0, rejected: 0, failed: 0, outcomes: {} };
  session.trapSignals();
  const started = Date.now();
  try {
    for await (let result of destination.write(jsonLines(input, badLines), {
      signal: session.abort.signal,
    })) {
      const parseError = badLines.get(result.index);
      if (parseError) {
        result = {
          type: 'result',
          index: result.index,
          status: 'rejected',
          problems: [{ field: '/', reason: parseError }],
          message: `/ ${parseError}`,
        };
      }
      count(summary, result);
      await out.write(result);
      if (summary.in % 100 === 0) await out.flush();
    }
  } catch (e) {
    await out.flush();
    if (e instanceof CancelledError || session.interrupted) {
      process.stderr.write(
        `interrupted after ${summary.in} results; re-run the same input: nothing is created twice\n`
      );
      return EXIT.INTERRUPTED;
    }
    throw e;
  } finally {
    (destination as { close?: () => void }).close?.();
  }
  await out.flush();
  const outcomes = Object.entries(summary.outcomes)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  process.stderr.write(
    session.redactor.redact(
      `write ${opts.action}: ${summary.in} in, ${summary.ok} ok${outcomes ? ` (${outcomes})` : ''}, ` +
        `${summary.rejected} rejected, ${summary.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`
    )
  );
  return summary.rejected + summary.failed > 0 ? EXIT.FAILED : EXIT.OK;
}

export function count(summary: WriteSummary, result: WriteResult): void {
  summary.in++;
  if (result.status === 'ok') {
    summary.ok++;
    summary.outcomes[result.outcome] = (summary.outcomes[result.outcome] ?? 0) + 1;
  } else if (result.status === 'rejected') summary.rejected++;
  else summary.failed++;
}
