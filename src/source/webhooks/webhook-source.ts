// The webhook source: incident.io pushes changes, this turns them into records of the polling
// source's streams. Two durable logs in the source's folder carry every delivery to its record:
// events.log (each verified delivery, fsynced before it is acknowledged) and records.log (what each
// event became, in order: a record, or why none). The runtime's state per stream is the position in
// records.log up to which it took the records, so a restart emits each change after that position
// once, and none before it. A reconciliation poll (the stream's incremental read) fills the gaps
// that deliveries missed.
import fs from 'node:fs';
import path from 'node:path';
import type http from 'node:http';
import type {
  ConnectorContext,
  Credential,
  ReadRequest,
  SourceMessage,
  StreamState,
  WebhookReadRequest,
  WebhookSourceAdapter,
} from '../../contract';
import { ApiError, ConfigError, toConnectorError } from '../../errors';
import { IncidentIoClient } from '../../http/client';
import { writeFileAtomic } from '../../host/atomic-file';
import { formatTimestamp } from '../../util/time';
import { validateSourceConfig, type SourceConfig } from '../config';
import { withNamedCustomFields } from '../custom-fields';
import { readStream } from '../read-stream';
import { WEBHOOK_DEFAULTS, type WebhookSettings } from './settings';
import { findStream } from '../streams';
import { DurableLog } from './durable-log';
import { routeEvent, WEBHOOK_STREAMS, type EventRoute } from './events';
import { deliveryHandler, listenOn } from './listener';
import { DeliveryVerifier } from './verify';
import { versionOf } from './versions';

/** Counts since this read started; `push`/`poll` count records emitted by each way. */
export type WebhookStatus = {
  push: number;
  poll: number;
  deliveries: number;
  duplicates: number;
  refused: number;
  fetched: number;
  older_dropped: number;
  polls: number;
  byStream: Record<string, { push: number; poll: number }>;
};

interface EventEntry {
  id: string;
  ts: number;
  body: unknown;
}

interface RecordEntry {
  /** Index in events.log of the event this line is the outcome of; absent for poll records. */
  e?: number;
  via: 'push' | 'poll';
  stream?: string;
  /** The object's id and version (updated_at in µs) of a kept record. */
  id?: string;
  v?: string;
  /** The record, unless it is the payload of event `e` as it is (then it is read from there). */
  record?: Record<string, unknown>;
  kept?: true;
  /** Why the event became no record. */
  skip?: string;
}

/** The state of a stream in webhook mode: how far into records.log the runtime took its records. */
export interface WebhookStreamState {
  webhooks: { seq: number };
}

const EMIT_BATCH = 500;
const PROCESS_BATCH = 1000;
const RETRY_MS = 5_000;
const STATE_EVERY_MS = 200;

export class WebhookSource implements WebhookSourceAdapter {
  private readonly config: SourceConfig;
  private readonly settings: WebhookSettings;
  private readonly client: IncidentIoClient;
  private readonly verifier: DeliveryVerifier;
  private events?: DurableLog<EventEntry>;
  private records?: DurableLog<RecordEntry>;
  /** webhook-id of every delivery in events.log, and those being written now. */
  private readonly seen = new Map<string, Promise<void> | true>();
  /** stream:id → version of the newest record in records.log. */
  private readonly newest = new Map<string, bigint>();
  private processed = 0;
  /** Streams with records emitted since their last state; when that state went out. */
  private readonly unsaved = new Set<string>();
  private sinceState = 0;
  private stateAt = 0;
  private wake?: () => void;
  private counts: WebhookStatus = emptyStatus();

  constructor(
    credential: Credential,
    config: unknown,
    private readonly ctx: ConnectorContext = {}
  ) {
    this.config = validateSourceConfig(config);
    const given = this.config.webhooks;
    if (!given?.log_dir) {
      throw new ConfigError('the source config', [
        { field: '/webhooks/log_dir', reason: 'is required to receive webhooks (a folder of its own)' },
      ]);
    }
    if (!credential.webhook_secret) {
      throw new ConfigError('the credential', [
        {
          field: '/webhook_secret',
          reason: "is required to receive webhooks: the endpoint's signing secret (Settings → Webhooks)",
        },
      ]);
    }
    this.settings = { ...WEBHOOK_DEFAULTS, ...given, log_dir: given.log_dir };
    this.verifier = new DeliveryVerifier(credential.webhook_secret);
    this.client = new IncidentIoClient(credential, ctx);
  }

  get limiter() {
    return this.client.limiter;
  }

  status(): WebhookStatus {
    return structuredClone(this.counts);
  }

  /** Opens the logs (once): what was received and processed before a restart is known again. */
  private open(): void {
    if (this.events) return;
    const dir = this.settings.log_dir;
    this.events = new DurableLog<EventEntry>(path.join(dir, 'events.log'));
    this.records = new DurableLog<RecordEntry>(path.join(dir, 'records.log'));
    // Each line starts with the delivery's id (entries are written as {id, ts, body}): no full parse.
    for (let i = 0; i < this.events.length; i++) {
      const m = /^\{"id":("(?:[^"\\]|\\.)*")/.exec(this.events.raw(i)!);
      this.seen.set(m ? (JSON.parse(m[1]) as string) : this.events.at(i)!.id, true);
    }
    for (const r of this.records.slice(0)) {
      if (r.e !== undefined) this.processed = Math.max(this.processed, r.e + 1);
      if (r.kept && r.stream && r.id !== undefined) this.remember(r.stream, r.id, r.v);
    }
  }

  /** The request handler, for a runtime that mounts it on its own server. */
  get handler(): http.RequestListener {
    this.open();
    return deliveryHandler(
      this.verifier,
      {
        accept: (d) => this.accept(d),
        refused: () => {
          this.counts.refused++;
        },
      },
      this.settings.path
    );
  }

  private async accept(d: { id: string; timestamp: number; body: unknown }): Promise<'stored' | 'duplicate'> {
    this.counts.deliveries++;
    const known = this.seen.get(d.id);
    if (known !== undefined) {
      this.counts.duplicates++;
      // A duplicate that arrives while the first copy is being written is acknowledged with it.
      if (known !== true) await known;
      return 'duplicate';
    }
    const write = this.events!.append({ id: d.id, ts: d.timestamp, body: d.body });
    this.seen.set(d.id, write);
    try {
      await write;
    } catch (e) {
      this.seen.delete(d.id);
      throw e;
    }
    this.seen.set(d.id, true);
    this.wake?.();
    return 'stored';
  }

  async *read(request: WebhookReadRequest): AsyncGenerator<SourceMessage> {
    const streams = this.resolveStreams(request.streams);
    this.open();
    this.counts = emptyStatus();
    const signal = request.signal ?? this.ctx.signal;
    const cursors = new Map<string, number>();
    for (const s of streams) {
      const seq = seqOf(request.state?.[s]);
      // A state beyond the log's end was made with another log (the folder was replaced): start over.
      if (seq > this.records!.length) {
        this.ctx.logger?.warn(
          `webhooks: the state of ${s} is past the end of ${this.settings.log_dir}/records.log: emitting it from the start`
        );
      }
      cursors.set(s, seq > this.records!.length ? 0 : seq);
    }
    let server: http.Server | undefined;
    const handler = this.handler;
    if (request.server) request.server.on('request', handler);
    else {
      const own = await listenOn(handler, this.settings.port, this.settings.host);
      server = own.server;
      request.onListening?.(own.port);
      this.ctx.logger?.info(
        `webhooks: listening on ${this.settings.host}:${own.port}${this.settings.path} (log ${this.settings.log_dir})`
      );
    }
    for (const s of streams) yield { type: 'stream_status', stream: s, status: 'started' };
    const pollState = this.loadPollState();
    const pollEvery = this.settings.reconcile_minutes * 60_000;
    let nextPoll = pollEvery > 0 ? Date.now() + pollEvery : Infinity;
    try {
      while (!signal?.aborted) {
        const waiting = new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        let progressed = await this.processEvents(signal);
        yield* this.emit(streams, cursors);
        if (Date.now() >= nextPoll && !signal?.aborted) {
          yield* this.poll(streams, pollState, signal);
          yield* this.emit(streams, cursors);
          nextPoll = Date.now() + pollEvery;
          progressed = true;
        }
        if (progressed || this.processed < this.events!.length) continue;
        const stateDue = this.unsaved.size > 0 ? STATE_EVERY_MS : RETRY_MS;
        await sleepUntil(waiting, Math.min(nextPoll - Date.now(), RETRY_MS, stateDue), signal);
      }
      // Stopping: the states of what was emitted go out too.
      yield* this.emit(streams, cursors, true);
    } finally {
      this.wake = undefined;
      if (request.server) request.server.off('request', handler);
      if (server) await new Promise<void>((r) => server!.close(() => r()));
    }
    const c = this.counts;
    for (const s of streams) {
      const by = c.byStream[s] ?? { push: 0, poll: 0 };
      yield { type: 'stream_status', stream: s, status: 'complete', records: by.push + by.poll };
    }
    yield { type: 'log', level: 'info', message: summary(c) };
  }

  /** Turns the next events of events.log into lines of records.log; false when there were none. */
  private async processEvents(signal?: AbortSignal): Promise<boolean> {
    const events = this.events!;
    if (this.processed >= events.length) return false;
    const from = this.processed;
    const batch = events.slice(from, from + PROCESS_BATCH);
    const outcomes = batch.map((e) => routeEvent(e.body));
    // Private events are completed by one GET each (through the key's limiter), in parallel.
    let fetched: Array<Record<string, unknown> | string | undefined>;
    try {
      fetched = await Promise.all(
        outcomes.map((o) => (o.kind === 'fetch' ? this.fetchOne(o.route, o.id, signal) : undefined))
      );
    } catch (e) {
      // Nothing of the batch is written: it is processed again once incident.io answers.
      if (signal?.aborted) return false;
      this.ctx.logger?.warn(`webhooks: completing events failed, retrying: ${toConnectorError(e).message}`);
      await sleepUntil(new Promise(() => undefined), RETRY_MS, signal);
      return false;
    }
    const writes = outcomes.map((o, k) => {
      const e = from + k;
      if (o.kind === 'ignored') return this.records!.append({ e, via: 'push', skip: o.reason });
      const got = o.kind === 'record' ? o.record : fetched[k];
      if (typeof got === 'string' || got === undefined)
        return this.records!.append({ e, via: 'push', stream: o.stream, skip: got ?? 'not found' });
      // A payload already in events.log is not written twice: the line points at its event.
      return this.records!.append(this.decide(o.stream, got, 'push', e, o.kind === 'record'));
    });
    this.processed = from + batch.length;
    await Promise.all(writes);
    return true;
  }

  /** The record of a fetch event, or why there is none (deleted, not readable with this key). */
  private async fetchOne(route: EventRoute, id: string, signal?: AbortSignal) {
    try {
      const { data } = await this.client.get<Record<string, unknown>>(route.showPath!(id), undefined, {
        route: `GET ${route.showPath!('{id}').replace('%7Bid%7D', '{id}')}`,
        signal,
      });
      this.counts.fetched++;
      const record = data[route.showField!];
      return record && typeof record === 'object' ? (record as Record<string, unknown>) : 'empty answer';
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 403)) {
        this.ctx.logger?.warn(`webhooks: ${route.stream} ${id} not read (${e.status}): ${e.message}`);
        return `not readable (${e.status})`;
      }
      throw e;
    }
  }

  /** The line for a record: kept when newer than every version of its object so far. */
  private decide(
    stream: string,
    record: Record<string, unknown>,
    via: 'push' | 'poll',
    e?: number,
    inEvent = false
  ): RecordEntry {
    const id = String(record.id);
    const v = versionOf(record);
    const known = this.newest.get(`${stream}:${id}`);
    const at = e !== undefined ? { e } : {};
    if (v !== undefined && known !== undefined && v <= known) {
      this.counts.older_dropped++;
      return { ...at, via, stream, skip: v === known ? 'same version' : 'older' };
    }
    const version = v === undefined ? undefined : String(v);
    this.remember(stream, id, version);
    return {
      ...at,
      via,
      stream,
      id,
      ...(version !== undefined ? { v: version } : {}),
      kept: true,
      ...(inEvent ? {} : { record }),
    };
  }

  private remember(stream: string, id: string, v: string | undefined): void {
    if (v !== undefined) this.newest.set(`${stream}:${id}`, BigInt(v));
  }

  /** The record a kept line stands for: its own, or its event's payload. */
  private recordOf(r: RecordEntry): Record<string, unknown> | undefined {
    if (r.record) return r.record;
    const event = r.e !== undefined ? this.events!.at(r.e) : undefined;
    const o = event ? routeEvent(event.body) : undefined;
    return o?.kind === 'record' ? o.record : undefined;
  }

  /**
   * Records of records.log past each stream's cursor. Their states follow at most every STATE_EVERY_MS
   * or EMIT_BATCH records (or when `flush`): each state costs the runtime a durable write, and records
   * after the last saved state are only emitted again after a crash, never lost.
   */
  private *emit(streams: string[], cursors: Map<string, number>, flush = false): Generator<SourceMessage> {
    const log = this.records!;
    const transform = this.config.custom_fields === 'named' ? withNamedCustomFields : undefined;
    for (;;) {
      const start = Math.min(...streams.map((s) => cursors.get(s)!));
      const end = Math.min(log.length, start + EMIT_BATCH);
      for (let i = start; i < end; i++) {
        const r = log.at(i)!;
        if (!r.kept || !r.stream || !cursors.has(r.stream) || i < cursors.get(r.stream)!) continue;
        const record = this.recordOf(r);
        if (!record) continue;
        const def = findStream(r.stream);
        const data = transform && def?.namedCustomFields ? transform(record) : record;
        this.counts[r.via]++;
        const by = (this.counts.byStream[r.stream] ??= { push: 0, poll: 0 });
        by[r.via]++;
        this.unsaved.add(r.stream);
        this.sinceState++;
        yield { type: 'record', stream: r.stream, data };
      }
      for (const s of streams) if (cursors.get(s)! < end) cursors.set(s, end);
      const due = flush || this.sinceState >= EMIT_BATCH || Date.now() - this.stateAt >= STATE_EVERY_MS;
      if (due && this.unsaved.size > 0) {
        for (const s of this.unsaved)
          yield { type: 'state', stream: s, state: { webhooks: { seq: cursors.get(s)! } } };
        this.unsaved.clear();
        this.sinceState = 0;
        this.stateAt = Date.now();
      }
      if (end >= log.length) return;
    }
  }

  /** The reconciliation poll: each stream's incremental read from its own cursor, into records.log. */
  private async *poll(
    streams: string[],
    pollState: Record<string, StreamState>,
    signal?: AbortSignal
  ): AsyncGenerator<SourceMessage> {
    this.counts.polls++;
    for (const name of streams) {
      const def = findStream(name)!;
      if (!def.cursorField || !def.syncModes.includes('incremental')) continue;
      const writes: Array<Promise<void>> = [];
      let state = pollState[name];
      try {
        for await (const msg of readStream(def, this.client, {
          syncMode: 'incremental',
          state,
          config: this.config,
          signal,
          partitions: 1,
        })) {
          if (msg.type === 'record') {
            const line = this.decide(name, msg.data, 'poll');
            // Only what the pushes have not brought: a version already known is no new line.
            if (line.kept) writes.push(this.records!.append(line));
          } else if (msg.type === 'state') state = msg.state;
        }
        await Promise.all(writes);
        pollState[name] = state;
        this.savePollState(pollState);
      } catch (e) {
        await Promise.allSettled(writes);
        if (signal?.aborted) return;
        const err = toConnectorError(e);
        this.ctx.logger?.warn(`webhooks: the reconciliation poll of ${name} failed: ${err.message}`);
        yield {
          type: 'log',
          level: 'warn',
          message: `reconciliation poll of ${name} failed: ${err.message}`,
        };
      }
    }
    yield { type: 'log', level: 'info', message: summary(this.counts) };
  }

  private pollFile(): string {
    return path.join(this.settings.log_dir, 'poll-state.json');
  }

  /** The polls' cursors; a first run starts them now (the listener's start), not at the beginning. */
  private loadPollState(): Record<string, StreamState> {
    const file = this.pollFile();
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, StreamState>;
      } catch {
        this.ctx.logger?.warn(`webhooks: ${file} is unreadable: the polls start from now`);
      }
    }
    const now = formatTimestamp(Date.now());
    const state = Object.fromEntries(WEBHOOK_STREAMS.map((s) => [s, { cursor: now }]));
    this.savePollState(state);
    return state;
  }

  private savePollState(state: Record<string, StreamState>): void {
    writeFileAtomic(this.pollFile(), `${JSON.stringify(state)}\n`);
  }

  private resolveStreams(requested: ReadRequest['streams']): string[] {
    const names = requested.map((r) => (typeof r === 'string' ? r : r.name));
    const list = names.length > 0 ? names : WEBHOOK_STREAMS;
    const problems = list.flatMap((n, i) =>
      WEBHOOK_STREAMS.includes(n)
        ? []
        : [
            {
              field: `/streams/${i}`,
              reason: `"${n}" is not fed by webhooks (${WEBHOOK_STREAMS.join(', ')} are)`,
            },
          ]
    );
    if (problems.length) throw new ConfigError('the read request', problems);
    return [...new Set(list)];
  }

  close(): void {
    this.events?.close();
    this.records?.close();
    this.client.close();
  }
}

function seqOf(state: StreamState | undefined): number {
  const seq = (state as Partial<WebhookStreamState> | undefined)?.webhooks?.seq;
  return typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 ? seq : 0;
}

function emptyStatus(): WebhookStatus {
  return {
    push: 0,
    poll: 0,
    deliveries: 0,
    duplicates: 0,
    refused: 0,
    fetched: 0,
    older_dropped: 0,
    polls: 0,
    byStream: {},
  };
}

function summary(c: WebhookStatus): string {
  return (
    `webhooks: ${c.push} records by push, ${c.poll} by poll (${c.polls} polls); ${c.deliveries} deliveries, ` +
    `${c.duplicates} duplicates, ${c.refused} refused, ${c.fetched} completed by a GET, ${c.older_dropped} older versions dropped`
  );
}

/** Waits for `wake`, `ms` or the signal, whichever is first. */
async function sleepUntil(wake: Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  await Promise.race([
    wake,
    new Promise<void>((r) => {
      timer = setTimeout(r, Math.max(0, ms));
    }),
    new Promise<void>((r) => {
      onAbort = () => r();
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  if (onAbort) signal?.removeEventListener('abort', onAbort);
}
