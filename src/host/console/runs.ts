// Runs started from the console: a source read (records per stream to JSONL files, the state saved
// after every page) or a destination write (one result per record, dead letters), each with live
// progress for the page and a record in the history. Only the plugin's public interface is used.
import fs from 'node:fs';
import path from 'node:path';
import type {
  ConnectorContext,
  ConnectorPlugin,
  Credential,
  DestinationAdapter,
  SourceAdapter,
  SourceMessage,
  StreamState,
  WriteResult,
} from '../../contract';
import { CancelledError } from '../../errors';
import type { LimiterRegistry } from '../../http/limiter';
import { writeFileAtomic } from '../atomic-file';
import { count } from '../commands/write';
import { deadLetterLine } from '../dead-letter';
import { JsonLinesWriter } from '../output';
import type { Redactor } from '../redact';
import type { RunRecord, StartDestinationRun, StartSourceRun, StreamProgress } from './api-types';
import type { ConsoleHistory } from './history';

export interface RunEnvironment {
  plugin: ConnectorPlugin;
  history: ConsoleHistory;
  redactor: Redactor;
  limiters: LimiterRegistry;
  context(extra?: Partial<ConnectorContext>): ConnectorContext;
  log(line: string): void;
}

export type RunListener = (run: RunRecord, done: boolean) => void;

/** Progress reaches the page at most this often; the final snapshot always does. */
const PUSH_EVERY_MS = 200;
/** Results a destination run keeps in memory for its results table (all of them are in results.jsonl). */
const MAX_RESULTS_KEPT = 5000;
export const STATE_FILE = 'state.json';
export const RESULTS_FILE = 'results.jsonl';
export const DEAD_LETTERS_FILE = 'dead-letters.jsonl';

interface LiveRun {
  record: RunRecord;
  controller: AbortController;
  listeners: Set<RunListener>;
  timer?: NodeJS.Timeout;
  finished?: Promise<void>;
  results: WriteResult[];
  resultsTruncated: boolean;
}

class FileSink {
  private readonly stream: fs.WriteStream;
  readonly writer: JsonLinesWriter;
  constructor(file: string, redactor: Redactor) {
    this.stream = fs.createWriteStream(file, { mode: 0o600 });
    this.writer = new JsonLinesWriter(this.stream, redactor);
  }
  async close(): Promise<void> {
    await this.writer.flush();
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }
}

export class RunManager {
  private readonly live = new Map<string, LiveRun>();

  constructor(private readonly env: RunEnvironment) {}

  /** The run as it is now: live progress while it runs, else its history record. */
  snapshot(id: string): RunRecord {
    return this.live.get(id)?.record ?? this.env.history.get(id);
  }

  results(id: string): { results: WriteResult[]; truncated: boolean } {
    const live = this.live.get(id);
    if (live) return { results: live.results, truncated: live.resultsTruncated };
    const run = this.env.history.get(id);
    if (!run.files.includes(RESULTS_FILE)) return { results: [], truncated: false };
    const lines = fs.readFileSync(this.env.history.runFile(id, RESULTS_FILE), 'utf8').split('\n');
    const results = lines.filter((l) => l !== '').map((l) => JSON.parse(l) as WriteResult);
    return { results: results.slice(0, MAX_RESULTS_KEPT), truncated: results.length > MAX_RESULTS_KEPT };
  }

  /** Calls `listener` with every progress snapshot; returns the unsubscribe function. */
  subscribe(id: string, listener: RunListener): () => void {
    const live = this.live.get(id);
    if (!live) {
      listener(this.env.history.get(id), true);
      return () => undefined;
    }
    live.listeners.add(listener);
    listener(live.record, false);
    return () => live.listeners.delete(listener);
  }

  cancel(id: string): RunRecord {
    const live = this.live.get(id);
    if (live) live.controller.abort();
    return this.snapshot(id);
  }

  /** Cancels every run and waits until each has recorded how it ended. */
  async cancelAll(): Promise<void> {
    for (const live of this.live.values()) live.controller.abort();
    await Promise.all([...this.live.values()].map((l) => l.finished));
  }

  /** Starts a read; a config the plugin refuses throws (ConfigError) before any run is recorded. */
  startSource(
    req: StartSourceRun,
    credential: Credential,
    config: { full: Record<string, unknown>; kept: Record<string, unknown> },
    state: Record<string, StreamState>
  ): RunRecord {
    const { controller, adapter: source } = this.adapter((ctx) =>
      this.env.plugin.createSource(credential, config.full, ctx)
    );
    const live = this.begin(controller, req, config.kept, {
      kind: 'source',
      streams: req.streams,
      ...(req.incrementalFrom ? { syncMode: 'incremental', incrementalFrom: req.incrementalFrom } : {}),
      progress: Object.fromEntries(
        req.streams.map((s): [string, StreamProgress] => [
          s,
          { status: 'waiting', records: 0, pages: 0, rate: 0 },
        ])
      ),
    });
    this.launch(live, credential, () => this.readSource(live, source, state));
    return live.record;
  }

  /** Starts a write (or a dry run); a config the plugin refuses throws before any run is recorded. */
  startDestination(
    req: StartDestinationRun,
    credential: Credential,
    config: { full: Record<string, unknown>; kept: Record<string, unknown> }
  ): RunRecord {
    const { controller, adapter: destination } = this.adapter((ctx) =>
      this.env.plugin.createDestination(credential, config.full, ctx)
    );
    const live = this.begin(controller, req, config.kept, {
      kind: 'destination',
      action: String(config.full.action),
      dryRun: req.dryRun,
      summary: { in: 0, ok: 0, rejected: 0, failed: 0, outcomes: {} },
    });
    this.launch(live, credential, () => this.write(live, destination, req));
    return live.record;
  }

  /** A source or destination whose calls the run's controller can cancel. */
  private adapter<T>(create: (ctx: ConnectorContext) => T): { controller: AbortController; adapter: T } {
    const controller = new AbortController();
    return { controller, adapter: create(this.env.context({ signal: controller.signal })) };
  }

  private begin(
    controller: AbortController,
    req: { connector: string; credential: string },
    config: Record<string, unknown>,
    fields: Pick<RunRecord, 'kind'> & Partial<RunRecord>
  ): LiveRun {
    const record: RunRecord = {
      id: this.env.history.newRunId(),
      connector: req.connector,
      credential: req.credential,
      config,
      startedAt: new Date().toISOString(),
      status: 'running',
      rateLimit: { waits: 0, waitedMs: 0, pauses: 0 },
      files: [],
      ...fields,
    };
    const live: LiveRun = {
      record,
      controller,
      listeners: new Set(),
      results: [],
      resultsTruncated: false,
    };
    this.live.set(record.id, live);
    this.env.history.put(record);
    const what = record.kind === 'source' ? `read ${record.streams?.join(', ')}` : `write ${record.action}`;
    this.env.log(`run ${record.id} started: ${what} with credential "${record.credential}"`);
    return live;
  }

  private launch(live: LiveRun, credential: Credential, body: () => Promise<void>): void {
    live.finished = this.execute(live, credential, body).catch((e: unknown) =>
      this.env.log(`run ${live.record.id} could not be recorded: ${(e as Error).message}`)
    );
  }

  /** Runs `body` with the key's rate-limit waits counted, then records how the run ended. */
  private async execute(live: LiveRun, credential: Credential, body: () => Promise<void>): Promise<void> {
    const ctx = this.env.context();
    const limiter = this.env.limiters.forKey(credential.api_key, ctx.rateLimit);
    const rl = live.record.rateLimit;
    const onWait = (e: { ms: number }) => {
      rl.waits++;
      rl.waitedMs += e.ms;
      this.changed(live);
    };
    const onPause = () => {
      rl.pauses++;
      this.changed(live);
    };
    limiter.on('wait', onWait);
    limiter.on('pause', onPause);
    try {
      await body();
      if (live.record.status === 'running') live.record.status = 'complete';
    } catch (e) {
      // The plugin's errors are recognised by their failure type, not their class (it is another module).
      const failureType = (e as { failureType?: unknown } | undefined)?.failureType;
      if (failureType === 'cancelled' || live.controller.signal.aborted) {
        live.record.status = 'cancelled';
        live.record.message = 'cancelled from the console; the state file holds the last completed page';
      } else {
        live.record.status = 'failed';
        live.record.message = e instanceof Error ? e.message : String(e);
      }
    } finally {
      limiter.off('wait', onWait);
      limiter.off('pause', onPause);
    }
    const r = live.record;
    r.finishedAt = new Date().toISOString();
    // Streams a cancelled or failed run left unfinished did not complete.
    for (const p of Object.values(r.progress ?? {})) {
      if (p.status === 'running' || p.status === 'waiting') p.status = 'incomplete';
    }
    if (r.status === 'complete' && r.kind === 'source') {
      if (Object.values(r.progress ?? {}).some((p) => p.status === 'incomplete')) r.status = 'incomplete';
    }
    if (r.status === 'complete' && r.kind === 'destination' && r.summary && !r.dryRun) {
      if (r.summary.rejected + r.summary.failed > 0) r.status = 'incomplete';
    }
    this.env.history.put(r);
    this.live.delete(r.id);
    if (live.timer) clearTimeout(live.timer);
    for (const l of live.listeners) l(r, true);
    this.env.log(
      `run ${r.id} ${r.status}${r.dryRun ? ' (dry run: nothing was sent)' : ''}${r.message ? `: ${r.message}` : ''}`
    );
  }

  private changed(live: LiveRun): void {
    if (live.timer) return;
    live.timer = setTimeout(() => {
      live.timer = undefined;
      for (const l of live.listeners) l(live.record, false);
    }, PUSH_EVERY_MS);
  }

  private async readSource(
    live: LiveRun,
    source: SourceAdapter,
    initialState: Record<string, StreamState>
  ): Promise<void> {
    const r = live.record;
    const dir = this.env.history.runDir(r.id);
    const signal = live.controller.signal;
    const sinks = new Map<string, FileSink>();
    const state = { streams: { ...initialState } };
    const started = new Map<string, number>();
    const progress = r.progress!;
    const rateOf = (stream: string, p: StreamProgress) => {
      const secs = (Date.now() - (started.get(stream) ?? Date.now())) / 1000;
      p.rate = secs > 0 ? Math.round(p.records / secs) : p.records;
    };
    const sink = (stream: string): FileSink => {
      let s = sinks.get(stream);
      if (!s) {
        s = new FileSink(path.join(dir, `${stream}.jsonl`), this.env.redactor);
        sinks.set(stream, s);
        r.files.push(`${stream}.jsonl`);
      }
      return s;
    };
    try {
      const messages = source.read({ streams: r.streams ?? [], state: initialState, signal });
      for await (const msg of messages as AsyncIterable<SourceMessage>) {
        const p = 'stream' in msg ? progress[msg.stream] : undefined;
        if (msg.type === 'record' && p) {
          if (p.status === 'waiting') p.status = 'running';
          if (!started.has(msg.stream)) started.set(msg.stream, Date.now());
          p.records++;
          await sink(msg.stream).writer.write(msg.data);
        } else if (msg.type === 'state' && p) {
          // The records before a state are on disk before the state is: a re-run never skips one.
          await sinks.get(msg.stream)?.writer.flush();
          state.streams[msg.stream] = msg.state;
          writeFileAtomic(path.join(dir, STATE_FILE), `${JSON.stringify(state)}\n`);
          if (!r.files.includes(STATE_FILE)) r.files.push(STATE_FILE);
          p.pages++;
          rateOf(msg.stream, p);
        } else if (msg.type === 'stream_status' && p) {
          if (msg.status === 'started') {
            p.status = 'running';
            started.set(msg.stream, Date.now());
          } else {
            p.status = msg.status;
            if (msg.pages !== undefined) p.pages = msg.pages;
            if (msg.error) p.error = msg.error;
            rateOf(msg.stream, p);
          }
        } else if (msg.type === 'log' && (msg.level === 'warn' || msg.level === 'error')) {
          this.env.log(`run ${r.id}: ${msg.message}`);
        }
        this.changed(live);
      }
      if (signal.aborted) throw new CancelledError();
    } finally {
      source.close();
      for (const s of sinks.values()) await s.close();
    }
  }

  private async write(
    live: LiveRun,
    destination: DestinationAdapter,
    req: StartDestinationRun
  ): Promise<void> {
    const r = live.record;
    const dir = this.env.history.runDir(r.id);
    const signal = live.controller.signal;
    const results = new FileSink(path.join(dir, RESULTS_FILE), this.env.redactor);
    r.files.push(RESULTS_FILE);
    let dead: FileSink | undefined;
    try {
      for await (const result of destination.write(req.records, { signal, dryRun: req.dryRun })) {
        count(r.summary!, result);
        await results.writer.write(result);
        if (live.results.length < MAX_RESULTS_KEPT) live.results.push(result);
        else live.resultsTruncated = true;
        if (result.status !== 'ok') {
          if (!dead) {
            dead = new FileSink(path.join(dir, DEAD_LETTERS_FILE), this.env.redactor);
            r.files.push(DEAD_LETTERS_FILE);
          }
          const record = req.records[result.index];
          const bytes = Buffer.from(JSON.stringify(record) ?? 'null');
          const line = deadLetterLine(
            { index: result.index, lineNo: result.index + 1, bytes, record },
            result
          );
          await dead.writer.write(JSON.parse(line.toString('utf8')) as unknown);
        }
        this.changed(live);
      }
      if (signal.aborted) throw new CancelledError();
    } finally {
      destination.close();
      await results.close();
      await dead?.close();
    }
  }
}
