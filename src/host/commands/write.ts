// `write`: JSON lines in (a file or stdin), one result line per input line out, in input order, and a
// summary on stderr. A line that is not JSON (or not UTF-8, or over the size limit, or holding a
// number JSON cannot keep) is a rejected result like any other bad record; nothing is sent for it.
// --dead-letter FILE: every rejected or failed input record, as it came in plus its reason under
// "_dead_letter" (ignored on input), so the file can be fixed and fed back as the next --input.
// --dry-run: validate and resolve names (reads only), send no write, report what would be sent.
// --format airbyte: Airbyte RECORD and STATE messages in, the STATEs echoed once safe (see
// formats/airbyte-destination.ts), LOG lines for records not written.
// Every path is checked before anything is read or sent (paths.ts).
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { WriteResult } from '../../contract';
import { CancelledError, ConfigError, ConnectorError } from '../../errors';
import { loadSchema } from '../../validation';
import { DeadLetterFile, deadLetterLine } from '../dead-letter';
import { EXIT } from '../exit-codes';
import { airbyteError, airbyteLog, streamsOfConfiguredCatalog } from '../formats/airbyte';
import { AirbyteStateGate, airbyteRecords } from '../formats/airbyte-destination';
import { readJsonValues, requireFormat, splitConfig } from '../formats/format';
import { tuneHeapForStreaming } from '../heap';
import { checkNames } from '../names';
import { JsonLinesWriter, OutputClosedError } from '../output';
import { checkPaths, type PlannedPath } from '../paths';
import { readConfigFile, Session } from '../session';
import { readInputRecords, type InputRecord } from '../write-input';

export { MAX_RECORD_BYTES } from '../write-input';

export interface WriteCommandOptions {
  /** Natively required; with --format airbyte it may come from the config's "action". */
  action?: string;
  input?: string;
  /** --format airbyte: the ConfiguredAirbyteCatalog (records of other streams are rejected). */
  catalog?: string;
  config?: string;
  deadLetter?: string;
  dryRun?: boolean;
}

export interface WriteSummary {
  in: number;
  ok: number;
  rejected: number;
  failed: number;
  outcomes: Record<string, number>;
}

/**
 * The input's chunks until it ends or the signal (SIGINT/SIGTERM) fires: a stdin that stays open must
 * not keep the run waiting for lines that may never come.
 */
async function* untilAborted(input: Readable, signal: AbortSignal): AsyncGenerator<Buffer> {
  const stop = () => input.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of input) yield chunk as Buffer;
  } catch (e) {
    if (signal.aborted) return;
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConnectorError('system', `cannot read the input (${code})`);
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/**
 * The records for the destination: a line with a problem becomes undefined (its result is replaced by
 * the problem); each line is kept by index until its result is out, for the dead-letter file.
 */
async function* records(source: AsyncIterable<InputRecord>, pending: Map<number, InputRecord>) {
  for await (const entry of source) {
    pending.set(entry.index, entry);
    yield entry.problems ? undefined : entry.record;
  }
}

export async function runWrite(session: Session, opts: WriteCommandOptions): Promise<number> {
  tuneHeapForStreaming();
  requireFormat(session.format, 'write', ['native', 'airbyte']);
  const airbyte = session.format === 'airbyte';
  if (opts.catalog && !airbyte) {
    throw new ConfigError('the write command', [{ field: '--catalog', reason: 'needs --format airbyte' }]);
  }
  const fromStdin = !opts.input || opts.input === '-';
  const paths: PlannedPath[] = [];
  if (!fromStdin) paths.push({ option: '--input', path: opts.input!, use: 'read' });
  if (opts.config) paths.push({ option: '--config', path: opts.config, use: 'read' });
  if (opts.catalog) paths.push({ option: '--catalog', path: opts.catalog, use: 'read' });
  if (opts.deadLetter) paths.push({ option: '--dead-letter', path: opts.deadLetter, use: 'write' });
  checkPaths(paths, { stdin: fromStdin, stdout: true });
  const given = opts.config ? readConfigFile(opts.config, 'the destination config') : {};
  // Airbyte passes one config: the credential's fields beside the destination's.
  const { credential: fromConfig, config: extra } = airbyte
    ? splitConfig(given, loadSchema(session.plugin.manifest.credentialTypes[0].schema))
    : { credential: {}, config: given };
  const action = opts.action ?? (typeof extra.action === 'string' ? extra.action : undefined);
  if (!action) {
    throw new ConfigError('the write command', [
      { field: '--action', reason: 'name the destination action (or put "action" in the --config file)' },
    ]);
  }
  const actions = session.plugin.manifest.destination.actions.map((a) => a.name);
  checkNames('an action of this destination', '--action', [action], actions);
  const streams = opts.catalog
    ? new Set(
        streamsOfConfiguredCatalog(readJsonValues(opts.catalog, 'the catalog')[0], opts.catalog).map(
          (s) => s.name
        )
      )
    : undefined;
  // The alert source token is a secret like the key: never in any output.
  if (typeof extra.alert_source_token === 'string') session.redactor.add(extra.alert_source_token);
  const credential = session.credentialFrom(fromConfig);
  const destination = session.plugin.createDestination(credential, { ...extra, action }, session.context());
  const dryRun = opts.dryRun === true || extra.dry_run === true;
  if (fromStdin && process.stdin.isTTY) {
    process.stderr.write(
      airbyte
        ? 'waiting for Airbyte RECORD and STATE messages on stdin, one per line (Ctrl-D to end, Ctrl-C to stop)...\n'
        : `waiting for JSON lines on stdin, one ${action} record per line (Ctrl-D to end, Ctrl-C to stop)...\n`
    );
  }
  const input = fromStdin ? process.stdin : fs.createReadStream(opts.input!);
  const out = new JsonLinesWriter(process.stdout, session.redactor);
  const pending = new Map<number, InputRecord>();
  const dead = opts.deadLetter ? new DeadLetterFile(opts.deadLetter, session.redactor) : undefined;
  const summary: WriteSummary = { in: 0, ok: 0, rejected: 0, failed: 0, outcomes: {} };
  const gate = airbyte ? new AirbyteStateGate() : undefined;
  if (airbyte)
    session.logTo((level, message) => void out.write(airbyteLog(level, message)).catch(() => undefined));
  // States go out after the dead letters before them are on disk.
  const releaseStates = async () => {
    const states = gate?.release() ?? [];
    if (states.length === 0) return;
    await dead?.flush();
    for (const s of states) await out.write(s);
    await out.flush();
  };
  session.trapSignals();
  const started = Date.now();
  try {
    const lines = readInputRecords(untilAborted(input, session.abort.signal));
    const entries = gate ? airbyteRecords(lines, gate, streams, releaseStates) : lines;
    for await (let result of destination.write(records(entries, pending), {
      signal: session.abort.signal,
      dryRun,
    })) {
      const entry = pending.get(result.index);
      pending.delete(result.index);
      if (entry?.problems) {
        result = {
          type: 'result',
          index: result.index,
          status: 'rejected',
          problems: entry.problems,
          message: entry.problems.map((p) => `${p.field} ${p.reason}`).join('; '),
        };
      }
      count(summary, result);
      if (!gate) await out.write(result);
      else if (result.status !== 'ok') {
        await out.write(
          airbyteLog(
            'warn',
            `record ${result.index + 1} (line ${entry?.lineNo}) was ${result.status}: ${result.message}`
          )
        );
      }
      if (dead && entry && result.status !== 'ok') await dead.write(deadLetterLine(entry, result));
      if (gate) {
        // A dry run writes nothing, so no state is safe to commit.
        gate.result(result.index, !dryRun && (result.status === 'ok' || dead !== undefined));
        await releaseStates();
      }
      if (summary.in % 100 === 0) {
        await out.flush();
        await dead?.flush();
      }
    }
    await releaseStates();
  } catch (e) {
    await out.settle();
    await dead?.close();
    if (e instanceof OutputClosedError) {
      // Results can no longer be delivered, so no more records are sent without one.
      process.stderr.write(
        `stopped: the output was closed by its reader after ${summary.in} record(s) (${summary.ok} ok, ${summary.rejected} rejected, ${summary.failed} failed); re-run the same input to finish: nothing is created twice\n`
      );
      return EXIT.OUTPUT_CLOSED;
    }
    if (e instanceof CancelledError || session.interrupted) return interrupted(summary);
    throw e;
  } finally {
    destination.close();
  }
  if (gate?.held) {
    const why = dryRun
      ? 'a dry run writes nothing'
      : `record ${gate.blockedAt! + 1} was not written (use --dead-letter to keep such records and go on)`;
    await out.write(
      airbyteError(
        `${gate.held} state message(s) were not echoed: ${why}; the next sync resends from the last state echoed`,
        dryRun ? 'config' : 'bad_record'
      )
    );
  }
  await out.flush();
  await dead?.close();
  // Stopped while waiting for input: the input was cut short, so this is an interrupted run too.
  if (session.interrupted) return interrupted(summary);
  const outcomes = Object.entries(summary.outcomes)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  process.stderr.write(
    session.redactor.redact(
      `write ${action}${dryRun ? ' (dry run: nothing was sent)' : ''}: ${summary.in} in, ` +
        `${summary.ok} ok${outcomes ? ` (${outcomes})` : ''}, ` +
        `${summary.rejected} rejected, ${summary.failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s` +
        `${gate ? `; ${gate.echoed} state(s) echoed` : ''}` +
        `${dead ? `; ${dead.count} written to the dead-letter file ${opts.deadLetter}` : ''}\n`
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
