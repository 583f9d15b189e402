// `read`: records and states as JSON lines on stdout, the latest state per stream saved to the state
// file after every page (atomically), progress and a summary on stderr.
import fs from 'node:fs';
import path from 'node:path';
import type { SourceMessage, StreamState, SyncMode } from '../../contract';
import { CancelledError, ConfigError, ConnectorError } from '../../errors';
import { writeFileAtomic } from '../atomic-file';
import { checkPaths, type PlannedPath } from '../paths';
import { EXIT } from '../exit-codes';
import { tuneHeapForStreaming } from '../heap';
import { JsonLinesWriter } from '../output';
import { Progress } from '../progress';
import { readConfigFile, readJsonFile, Session } from '../session';

export interface ReadOptions {
  stream?: string[];
  /** Every stream of the source. */
  all?: boolean;
  /** One JSONL file of records per stream (and state.json, unless --state-file says otherwise). */
  outputDir?: string;
  limit?: number;
  stateFile?: string;
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

/** The streams asked for: --stream (repeatable) or --all, exactly one of them. */
function chosenStreams(session: Session, opts: ReadOptions): string[] {
  if (opts.all && opts.stream?.length) {
    throw new ConfigError('the read command', [
      { field: '--all', reason: 'cannot be combined with --stream' },
    ]);
  }
  if (opts.all) return session.plugin.manifest.source.streams.map((s) => s.name);
  if (!opts.stream?.length) {
    throw new ConfigError('the read command', [
      { field: '--stream', reason: 'name at least one stream, or use --all' },
    ]);
  }
  return opts.stream;
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
  if (opts.outputDir && !opts.stateFile) opts.stateFile = path.join(opts.outputDir, 'state.json');
  const paths: PlannedPath[] = [];
  if (opts.config) paths.push({ option: '--config', path: opts.config, use: 'read' });
  if (opts.stateFile) paths.push({ option: '--state-file', path: opts.stateFile, use: 'state' });
  if (opts.outputDir) {
    const files = streams.map((s) => `${s}.jsonl`);
    paths.push({ option: '--output-dir', path: opts.outputDir, use: 'dir', files });
  }
  // Records go to stdout unless --output-dir takes them; either way stdout must not be a file in use.
  checkPaths(paths, { stdout: true });
  const credential = session.credential();
  const config = opts.config ? readConfigFile(opts.config, 'the source config') : {};
  const files = opts.outputDir ? new StreamFiles(opts.outputDir, session) : undefined;
  const state = loadState(opts.stateFile);
  const source = session.plugin.createSource(credential, config, session.context());
  const out = new JsonLinesWriter(process.stdout, session.redactor);
  const progress = new Progress(session.redactor);
  const failed: string[] = [];
  const counts = new Map<string, number>();
  session.trapSignals();
  const started = Date.now();
  try {
    const messages = source.read({
      streams: streams.map((name) => ({ name, syncMode: opts.syncMode })),
      state: state.streams,
      limit: opts.limit,
      signal: session.abort.signal,
    });
    for await (const msg of messages as AsyncIterable<SourceMessage>) {
      if (msg.type === 'record') {
        counts.set(msg.stream, (counts.get(msg.stream) ?? 0) + 1);
        // With --output-dir the records go to their stream's file; stdout keeps states and statuses.
        await (files ? files.writer(msg.stream).write(msg.data) : out.write(msg));
      } else if (msg.type === 'state') {
        // Records before a state reach stdout before the state is saved: a crash re-reads, never skips.
        if (files) await files.flush(msg.stream);
        await out.write(msg);
        await out.flush();
        state.streams[msg.stream] = msg.state;
        if (opts.stateFile) saveState(opts.stateFile, state);
        progress.page(msg.stream, counts.get(msg.stream) ?? 0);
      } else if (msg.type === 'stream_status') {
        await out.write(msg);
        if (msg.status === 'incomplete') {
          failed.push(msg.stream);
          progress.line(`${msg.stream}: incomplete — ${msg.error?.message ?? 'unknown error'}`);
        } else if (msg.status === 'complete') {
          const n = msg.records ?? 0;
          progress.done(msg.stream, n, msg.pages ?? 0, opts.limit !== undefined && n >= opts.limit);
        }
      } else {
        await out.write(msg);
      }
    }
  } catch (e) {
    await out.flush();
    if (e instanceof CancelledError || session.interrupted) {
      progress.line(
        `interrupted: the state file ${opts.stateFile ?? '(none given)'} holds the last completed page`
      );
      return EXIT.INTERRUPTED;
    }
    throw e;
  } finally {
    (source as { close?: () => void }).close?.();
    await files?.close();
  }
  await out.flush();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const secs = (Date.now() - started) / 1000;
  progress.line(
    `read ${total} records from ${streams.length} stream(s) in ${secs.toFixed(1)} s` +
      (failed.length ? `; incomplete: ${failed.join(', ')}` : '')
  );
  return failed.length ? EXIT.FAILED : EXIT.OK;
}
