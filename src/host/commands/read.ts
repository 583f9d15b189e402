// `read`: records and states as JSON lines on stdout (native, Airbyte or Singer messages), the latest
// state per stream saved to the state file after every page (atomically), progress and a summary on
// stderr.
import fs from 'node:fs';
import path from 'node:path';
import type { SourceMessage, StreamRequest, StreamState, SyncMode } from '../../contract';
import { CancelledError, ConfigError, ConnectorError } from '../../errors';
import { writeFileAtomic } from '../atomic-file';
import { checkPaths, type PlannedPath } from '../paths';
import { EXIT } from '../exit-codes';
import { tuneHeapForStreaming } from '../heap';
import { AirbyteReadFormatter, statesFromAirbyte, streamsOfConfiguredCatalog } from '../formats/airbyte';
import { readJsonValues, splitConfig } from '../formats/format';
import { SingerReadFormatter, statesFromSinger, streamsOfSingerCatalog } from '../formats/singer';
import { checkNames } from '../names';
import { JsonLinesWriter, OutputClosedError } from '../output';
import { ProgressDisplay } from '../progress-display';
import { readConfigFile, readJsonFile, Session } from '../session';
import { loadSchema } from '../../validation';

export interface ReadOptions {
  stream?: string[];
  /** Every stream of the source. */
  all?: boolean;
  /** One JSONL file of records per stream (and state.json, unless --state-file says otherwise). */
  outputDir?: string;
  limit?: number;
  stateFile?: string;
  /** A state to start from, in the --format's own shape (read only; --state-file is read and saved). */
  state?: string;
  /** Airbyte: a ConfiguredAirbyteCatalog; Singer: a catalog with selected streams. */
  catalog?: string;
  config?: string;
  syncMode?: SyncMode;
}

interface StateFile {
  streams: Record<string, StreamState>;
}

function loadState(file: string | undefined): StateFile {
  if (!file || !fs.existsSync(file)) return { streams: {} };
  const parsed = readJsonFile(file, 'the state file') as Partial<StateFile> | null;
  const streams = parsed && typeof parsed === 'object' ? parsed.streams : undefined;
  // Not a state file at all (records, a config, a list): resuming from it would be a guess.
  if (!streams || typeof streams !== 'object' || Array.isArray(streams)) {
    throw new ConfigError('the state file', [
      { field: file, reason: 'is not a state file written by `read` (no "streams" object in it)' },
    ]);
  }
  return { streams };
}

/** Saves the state; a state file that cannot be written stops the run with a clear error. */
function saveState(file: string, state: StateFile): void {
  try {
    writeFileAtomic(file, `${JSON.stringify(state)}\n`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConnectorError('system', `cannot save the state file ${file} (${code})`);
  }
}

/**
 * The streams asked for: --stream (repeatable, each name once), --all, or a --catalog's; exactly one
 * of them. A name the source does not have is a usage error suggesting the closest.
 */
function chosenStreams(session: Session, opts: ReadOptions): StreamRequest[] {
  const given = [opts.all && '--all', opts.stream?.length && '--stream', opts.catalog && '--catalog'].filter(
    (x): x is string => typeof x === 'string'
  );
  if (given.length > 1) {
    throw new ConfigError('the read command', [
      { field: given[0], reason: `cannot be combined with ${given.slice(1).join(' or ')}` },
    ]);
  }
  const valid = session.plugin.manifest.source.streams.map((s) => s.name);
  if (opts.all) return valid.map((name) => ({ name, syncMode: opts.syncMode }));
  if (opts.catalog) {
    if (session.format === 'native') {
      throw new ConfigError('the read command', [
        {
          field: '--catalog',
          reason: 'needs --format airbyte or --format singer (natively: --stream or --all)',
        },
      ]);
    }
    const [catalog] = readJsonValues(opts.catalog, 'the catalog');
    const wanted =
      session.format === 'airbyte'
        ? streamsOfConfiguredCatalog(catalog, opts.catalog)
        : streamsOfSingerCatalog(catalog, opts.catalog);
    if (wanted.length === 0) {
      throw new ConfigError('the catalog', [{ field: opts.catalog, reason: 'selects no stream' }]);
    }
    checkNames(
      'a stream of this source',
      '--catalog',
      wanted.map((w) => w.name),
      valid
    );
    return wanted;
  }
  if (!opts.stream?.length) {
    throw new ConfigError('the read command', [
      { field: '--stream', reason: 'name at least one stream, or use --all' },
    ]);
  }
  return checkNames('a stream of this source', '--stream', opts.stream, valid).map((name) => ({
    name,
    syncMode: opts.syncMode,
  }));
}

/** The states to start from: --state-file (native, saved too) or --state (the format's shape). */
function startState(session: Session, opts: ReadOptions): StateFile {
  if (opts.state && opts.stateFile) {
    throw new ConfigError('the read command', [
      { field: '--state', reason: 'cannot be combined with --state-file (which is read and saved)' },
    ]);
  }
  if (!opts.state) return loadState(opts.stateFile);
  if (session.format === 'native') return loadState(opts.state);
  const values = readJsonValues(opts.state, 'the state');
  return {
    streams:
      session.format === 'airbyte'
        ? statesFromAirbyte(values, opts.state)
        : statesFromSinger(values, opts.state),
  };
}

/** How each SourceMessage is printed: as it is (native), or as Airbyte or Singer messages. */
function formatterFor(session: Session, initial: Record<string, StreamState>) {
  if (session.format === 'airbyte') return new AirbyteReadFormatter();
  if (session.format === 'singer') {
    const streams = session.plugin.manifest.source.streams;
    return new SingerReadFormatter((name) => {
      const s = streams.find((m) => m.name === name)!;
      return { jsonSchema: loadSchema(s.schema), primaryKey: s.primaryKey, cursorField: s.cursorField };
    }, initial);
  }
  return { messages: (msg: SourceMessage): unknown[] => [msg] };
}

/** Per-stream record files under --output-dir, opened on first record, appended to on resume. */
class StreamFiles {
  private readonly writers = new Map<string, JsonLinesWriter>();
  error?: ConnectorError;
  constructor(
    private readonly dir: string,
    private readonly session: Session
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }
  writer(stream: string): JsonLinesWriter {
    let w = this.writers.get(stream);
    if (!w) {
      const file = path.join(this.dir, `${stream}.jsonl`);
      const out = fs.createWriteStream(file, { flags: 'a' });
      // Reported when the records before a state are flushed (not left as an unhandled event).
      out.on('error', (e: NodeJS.ErrnoException) => {
        this.error ??= new ConnectorError('system', `cannot write ${file} (${e.code ?? e.message})`);
      });
      w = new JsonLinesWriter(out, this.session.redactor);
      this.writers.set(stream, w);
    }
    return w;
  }
  async flush(stream: string): Promise<void> {
    await this.writers.get(stream)?.flush();
    if (this.error) throw this.error;
  }
  async close(): Promise<void> {
    for (const w of this.writers.values()) await w.flush();
  }
}

export async function runRead(session: Session, opts: ReadOptions): Promise<number> {
  tuneHeapForStreaming();
  const streams = chosenStreams(session, opts);
  if (opts.outputDir && session.format !== 'native') {
    throw new ConfigError('the read command', [
      {
        field: '--output-dir',
        reason: `writes plain records, so it cannot be combined with --format ${session.format}`,
      },
    ]);
  }
  if (opts.outputDir && !opts.stateFile && !opts.state)
    opts.stateFile = path.join(opts.outputDir, 'state.json');
  const paths: PlannedPath[] = [];
  if (opts.config) paths.push({ option: '--config', path: opts.config, use: 'read' });
  if (opts.catalog) paths.push({ option: '--catalog', path: opts.catalog, use: 'read' });
  if (opts.state) paths.push({ option: '--state', path: opts.state, use: 'read' });
  if (opts.stateFile) paths.push({ option: '--state-file', path: opts.stateFile, use: 'state' });
  if (opts.outputDir) {
    const files = streams.map((s) => `${s.name}.jsonl`);
    paths.push({ option: '--output-dir', path: opts.outputDir, use: 'dir', files });
  }
  // Records go to stdout unless --output-dir takes them; either way stdout must not be a file in use.
  checkPaths(paths, { stdout: true });
  const given = opts.config ? readConfigFile(opts.config, 'the source config') : {};
  // Airbyte and Singer pass one config: the credential's fields beside the source's.
  const { credential: fromConfig, config } =
    session.format === 'native'
      ? { credential: {}, config: given }
      : splitConfig(given, loadSchema(session.plugin.manifest.credentialTypes[0].schema));
  const credential = session.credentialFrom(fromConfig);
  const files = opts.outputDir ? new StreamFiles(opts.outputDir, session) : undefined;
  const state = startState(session, opts);
  const source = session.plugin.createSource(credential, config, session.context());
  const out = new JsonLinesWriter(process.stdout, session.redactor);
  const formatter = formatterFor(session, state.streams);
  const progress = new ProgressDisplay({
    redactor: session.redactor,
    activity: session.activity,
    live: Boolean(process.stderr.isTTY),
    quiet: session.opts.quiet,
  });
  progress.plan(streams.map((s) => s.name));
  const emit = async (msg: SourceMessage) => {
    for (const line of formatter.messages(msg)) await out.write(line);
  };
  if (formatter instanceof AirbyteReadFormatter) {
    // Airbyte carries the log lines (LOG) and the rate-limit pauses (RUNNING, RATE_LIMITED) on stdout.
    // Fire and forget: a closed output is reported by the next record's write.
    session.logTo((level, message) => void emit({ type: 'log', level, message }).catch(() => undefined));
    session.activity.on('pause', (p) => {
      for (const line of formatter.rateLimited(p.ms)) void out.write(line).catch(() => undefined);
    });
  } else if (progress.logSink) {
    session.logTo(progress.logSink);
  }
  const failed: string[] = [];
  const counts = new Map<string, number>();
  session.trapSignals();
  const started = Date.now();
  try {
    const messages = source.read({
      streams,
      state: state.streams,
      limit: opts.limit,
      signal: session.abort.signal,
    });
    for await (const msg of messages as AsyncIterable<SourceMessage>) {
      if (msg.type === 'record') {
        counts.set(msg.stream, (counts.get(msg.stream) ?? 0) + 1);
        // With --output-dir the records go to their stream's file; stdout keeps states and statuses.
        await (files ? files.writer(msg.stream).write(msg.data) : emit(msg));
      } else if (msg.type === 'state') {
        // Records before a state reach stdout before the state is saved: a crash re-reads, never skips.
        if (files) await files.flush(msg.stream);
        await emit(msg);
        await out.flush();
        state.streams[msg.stream] = msg.state;
        if (opts.stateFile) saveState(opts.stateFile, state);
        progress.page(msg.stream, counts.get(msg.stream) ?? 0);
      } else if (msg.type === 'stream_status') {
        await emit(msg);
        if (msg.status === 'started') progress.started(msg.stream);
        else if (msg.status === 'incomplete') {
          failed.push(msg.stream);
          progress.incomplete(msg.stream, msg.error?.message ?? 'unknown error');
        } else if (msg.status === 'complete') {
          const n = msg.records ?? 0;
          progress.done(msg.stream, n, msg.pages ?? 0, opts.limit !== undefined && n >= opts.limit);
        }
      } else {
        if (msg.type === 'estimate') progress.estimate(msg.stream, msg.records);
        await emit(msg);
      }
    }
  } catch (e) {
    await out.settle();
    progress.stop();
    if (e instanceof OutputClosedError) {
      // `read … | head`: the reader has what it wanted; the state file stays at the last page delivered.
      progress.line(
        `stopped: the output was closed by its reader; the state file ${opts.stateFile ?? '(none given)'} holds the last page delivered`
      );
      return EXIT.OUTPUT_CLOSED;
    }
    if (e instanceof CancelledError || session.interrupted) {
      progress.line(
        `interrupted: the state file ${opts.stateFile ?? '(none given)'} holds the last completed page`
      );
      return EXIT.INTERRUPTED;
    }
    throw e;
  } finally {
    source.close();
    await files?.close();
  }
  await out.flush();
  progress.stop();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const secs = (Date.now() - started) / 1000;
  // Requests per record: what a sync costs in the key's budget (organisation-wide lists lower it).
  const requests = (source as { limiter?: { counters: { requests: number } } }).limiter?.counters.requests;
  const perRecord =
    requests !== undefined && total > 0
      ? ` with ${requests} requests (${(requests / total).toFixed(3)} per record)`
      : '';
  progress.line(
    `read ${total} records from ${streams.length} stream(s) in ${secs.toFixed(1)} s${perRecord}` +
      progress.waitSummary +
      (failed.length ? `; incomplete: ${failed.join(', ')}` : '')
  );
  return failed.length ? EXIT.FAILED : EXIT.OK;
}
