// A read's progress on stderr. On a terminal: a live display (cli-progress), one line per stream and
// one overall, with records, pages, the rate, the waits for the rate limit and, where incident.io
// gives a total, a bar and an ETA. Elsewhere (a pipe, a log file): plain lines, at most one per stream
// per second. The rate is taken over the last seconds of the read, never from the first page alone.
import { MultiBar, type Options, type Params } from 'cli-progress';
import type { Activity } from './activity';
import type { Redactor } from './redact';

/** The rate of the last WINDOW_MS (records per second), from samples taken at each page. */
const WINDOW_MS = 10_000;
/** No rate before this much of the stream has been read: one page's time says little. */
const MIN_SPAN_MS = 1_000;

export class RateMeter {
  private readonly samples: Array<[number, number]> = [];

  constructor(startedAt: number) {
    this.samples.push([startedAt, 0]);
  }

  add(at: number, total: number): void {
    this.samples.push([at, total]);
    // Keep one sample at or before the window's start, so the window is always covered.
    while (this.samples.length > 2 && this.samples[1][0] <= at - WINDOW_MS) this.samples.shift();
  }

  /** Records per second, or undefined until at least two pages over MIN_SPAN_MS were seen. */
  rate(): number | undefined {
    if (this.samples.length < 3) return undefined;
    const [t0, n0] = this.samples[0];
    const [t1, n1] = this.samples[this.samples.length - 1];
    if (t1 - t0 < MIN_SPAN_MS) return undefined;
    return ((n1 - n0) * 1000) / (t1 - t0);
  }
}

interface StreamProgress {
  records: number;
  pages: number;
  total?: number;
  meter: RateMeter;
  lastLineAt: number;
  finished: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function describe(p: Pick<StreamProgress, 'records' | 'pages' | 'total'>, rate: number | undefined): string {
  const records = p.total !== undefined ? `${p.records}/${p.total} records` : `${p.records} records`;
  const parts = [records, `${p.pages} page${p.pages === 1 ? '' : 's'}`];
  parts.push(rate === undefined ? 'rate: measuring' : `${Math.round(rate)}/s`);
  if (p.total !== undefined && rate !== undefined && rate > 0 && p.records < p.total) {
    parts.push(`ETA ${formatDuration((p.total - p.records) / rate)}`);
  }
  return parts.join(', ');
}

export interface ProgressOptions {
  redactor: Redactor;
  /** Follow the run's limiter waits (counted per run: the key's bucket is shared by every stream). */
  activity?: Activity;
  /** A live display (stderr is a terminal); otherwise plain lines. */
  live?: boolean;
  /** No progress at all (-q), only what line() is asked for. */
  quiet?: boolean;
  now?: () => number;
}

export class ProgressDisplay {
  private readonly streams = new Map<string, StreamProgress>();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly overall: RateMeter;
  private waits = 0;
  private waitedMs = 0;
  private pauses = 0;
  private readonly bars?: MultiBar;
  private readonly barOf = new Map<string, ReturnType<MultiBar['create']>>();
  private overallBar?: ReturnType<MultiBar['create']>;
  private readonly unfollow: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.overall = new RateMeter(this.startedAt);
    if (opts.activity) {
      const onWait = (w: { ms: number }) => {
        this.waits++;
        this.waitedMs += w.ms;
        this.refreshOverall();
      };
      const onPause = () => {
        this.pauses++;
        this.refreshOverall();
      };
      opts.activity.on('wait', onWait);
      opts.activity.on('pause', onPause);
      this.unfollow.push(
        () => opts.activity!.off('wait', onWait),
        () => opts.activity!.off('pause', onPause)
      );
    }
    if (opts.live && !opts.quiet) {
      const options: Options = {
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        // Redrawn at most 5 times a second: enough to look alive, cheap on a fast read.
        fps: 5,
        barsize: 20,
        barCompleteChar: '█',
        barIncompleteChar: '░',
        format: (o, params: Params, payload: { label: string; text: string; bar: boolean }) =>
          `${payload.label.padEnd(16)} ${payload.bar ? `${barOf(o.barsize ?? 20, params)} ` : ''}${payload.text}`,
      };
      this.bars = new MultiBar(options);
    }
  }

  /** A line for the person (an incomplete stream, the summary): above the live display, or plain. */
  line(text: string): void {
    const safe = this.opts.redactor.redact(text);
    // Cleared first: the line may land where a longer line of the display was.
    if (this.bars && !this.stopped) this.bars.log(`\x1b[2K${safe}\n`);
    else process.stderr.write(`${safe}\n`);
  }

  /** Where log lines go while the live display runs (so they do not tear it). */
  get logSink(): ((level: string, message: string) => void) | undefined {
    return this.bars ? (level, message) => this.line(`[${level}] ${message}`) : undefined;
  }

  /** The streams the read will go through, in order: one line each, and the overall line last. */
  plan(streams: string[]): void {
    if (!this.bars) return;
    for (const stream of streams) {
      if (!this.barOf.has(stream)) {
        this.barOf.set(stream, this.bars.create(1, 0, { label: stream, text: 'waiting', bar: false }));
      }
    }
    this.overallBar ??= this.bars.create(1, 0, { label: 'overall', text: '', bar: false });
  }

  started(stream: string): void {
    if (this.streams.has(stream)) return;
    this.streams.set(stream, {
      records: 0,
      pages: 0,
      meter: new RateMeter(this.now()),
      lastLineAt: 0,
      finished: false,
    });
    this.refresh(stream);
  }

  estimate(stream: string, records: number): void {
    this.stream(stream).total = records;
    this.refresh(stream);
  }

  /** After each page (each state): the stream's records so far. */
  page(stream: string, records: number): void {
    const p = this.stream(stream);
    const at = this.now();
    p.pages++;
    p.records = records;
    p.meter.add(at, records);
    this.overall.add(at, this.totalRecords());
    this.refresh(stream);
    if (this.bars || this.opts.quiet || at - p.lastLineAt < 1000) return;
    p.lastLineAt = at;
    this.line(`${stream}: ${describe(p, p.meter.rate())}`);
  }

  /** `limited`: the read stopped at --limit, before the page it was in ended (so it is not counted). */
  done(stream: string, records: number, pages: number, limited = false): void {
    const p = this.stream(stream);
    p.finished = true;
    p.records = records;
    this.refresh(
      stream,
      `complete: ${records} records${pages > 0 ? ` in ${pages} page${pages === 1 ? '' : 's'}` : ''}${limited ? ' (stopped at --limit)' : ''}`
    );
    // The live display says it on the stream's own line.
    if (this.opts.quiet || this.bars) return;
    const where = pages > 0 ? ` in ${pages} page${pages === 1 ? '' : 's'}` : '';
    this.line(`${stream}: complete — ${records} records${where}${limited ? ' (stopped at --limit)' : ''}`);
  }

  incomplete(stream: string, message: string): void {
    const p = this.stream(stream);
    p.finished = true;
    this.refresh(stream, 'incomplete');
    this.line(`${stream}: incomplete — ${message}`);
  }

  /** The waits for the rate limit so far, for the summary. */
  get waitSummary(): string {
    if (this.waits === 0 && this.pauses === 0) return '';
    const pauses = this.pauses ? `, ${this.pauses} pause${this.pauses === 1 ? '' : 's'} after a 429` : '';
    return `; waited ${this.waits} time${this.waits === 1 ? '' : 's'} (${seconds(this.waitedMs)}) for the rate limit${pauses}`;
  }

  stop(): void {
    for (const off of this.unfollow) off();
    if (!this.bars || this.stopped) return;
    // A last frame, with the lines logged since the one before (stop() alone would drop them).
    this.bars.update();
    this.bars.stop();
    this.stopped = true;
  }

  private stream(name: string): StreamProgress {
    if (!this.streams.has(name)) this.started(name);
    return this.streams.get(name)!;
  }

  private totalRecords(): number {
    let n = 0;
    for (const p of this.streams.values()) n += p.records;
    return n;
  }

  private refresh(stream: string, text?: string): void {
    const bar = this.barOf.get(stream);
    if (bar) {
      const p = this.streams.get(stream)!;
      const known = p.total !== undefined && p.total > 0;
      bar.setTotal(known ? p.total! : 1);
      bar.update(known ? Math.min(p.records, p.total!) : 0, {
        label: stream,
        text: text ?? describe(p, p.meter.rate()),
        bar: known,
      });
    }
    this.refreshOverall();
  }

  private refreshOverall(): void {
    if (!this.overallBar) return;
    const all = [...this.streams.values()];
    const withTotal = all.every((p) => p.total !== undefined);
    const total = withTotal ? all.reduce((a, p) => a + p.total!, 0) : undefined;
    const finished = all.filter((p) => p.finished).length;
    const pages = all.reduce((a, p) => a + p.pages, 0);
    const text =
      `${finished}/${all.length} streams, ` +
      describe({ records: this.totalRecords(), pages, total }, this.overall.rate()) +
      `, ${this.waits} rate-limit wait${this.waits === 1 ? '' : 's'} (${seconds(this.waitedMs)})` +
      (this.pauses ? `, ${this.pauses} 429 pause${this.pauses === 1 ? '' : 's'}` : '');
    const known = total !== undefined && total > 0;
    this.overallBar.setTotal(known ? total : 1);
    this.overallBar.update(known ? Math.min(this.totalRecords(), total) : 0, {
      label: 'overall',
      text,
      bar: known,
    });
  }
}

/** Waits are short: tenths of a second. */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function barOf(size: number, params: Params): string {
  const done = Math.round(Math.max(0, Math.min(1, params.progress)) * size);
  return `${'█'.repeat(done)}${'░'.repeat(size - done)}`;
}
