// A long backfill of a stream that can filter on created_at is split into time partitions paged
// concurrently, so the key's budget rather than round-trip latency bounds the read. Partitions are
// half-open [from, to). The live API refuses `[gte]` and `[lte]` on one field in one request, so a
// bounded partition is one `created_at[date_range]=A~B` and the last one, open-ended, a single
// `created_at[gte]` (it still reads what gets created during the scan). incidents and escalations
// match those filters by whole UTC days: their partitions start on day boundaries and their
// date_range bounds are dates. Whatever granularity the server applies, every page is trimmed to its
// partition's window here, so a record on a boundary is read exactly once (README "Streams").
import type { SourceMessage } from '../contract';
import type { IncidentIoClient } from '../http/client';
import { cursorNotAdvancing, paginate } from '../http/paginate';
import { CompletionQueue } from '../util/completion-queue';
import { formatTimestamp, laterTimestamp, parseTimestamp } from '../util/time';
import { PartitionProgress } from './partition-progress';
import { clampPageSize, type ReadStreamOptions } from './read-options';
import { listQuery, prepareRecord } from './records';
import {
  endOfScan,
  isPartitioned,
  keptCursor,
  parentStreamState,
  type PartitionedScan,
  type PartitionedScanState,
  type TimePartition,
} from './state';
import type { StreamDefinition } from './streams/types';

export type { PartitionedScan, TimePartition } from './state';

/** Response bodies one partitioned stream keeps in flight at most, unless told (about bytes). */
const IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/**
 * Pages a partition reads at least: each partition ends on a partial (or empty) page, a request that a
 * flat read would not make.
 */
const PAGES_PER_PARTITION = 2;

/** incident.io launched in 2021: no organisation has records before this. */
const EARLIEST_POSSIBLE = Date.parse('2019-01-01T00:00:00Z');
const SECOND = 1000;
const DAY = 86_400_000;

/**
 * The unit partitions start on: days where the API matches by day, else days when the range holds one
 * per partition, else seconds.
 */
function partitionUnit(def: StreamDefinition, fromMs: number, toMs: number, n: number): number {
  return def.timePartition!.wholeDays || toMs - fromMs >= n * DAY ? DAY : SECOND;
}

/** Splits [from, to) into n slices on whole units (seconds by default); the last is open-ended. */
export function splitRange(fromMs: number, toMs: number, n: number, unitMs = SECOND): TimePartition[] {
  const from = Math.floor(fromMs / unitMs) * unitMs;
  const span = Math.max(0, toMs - from);
  const count = Math.max(1, Math.min(n, Math.floor(span / unitMs)));
  const bounds = Array.from(
    { length: count + 1 },
    (_, i) => Math.floor((from + (span * i) / count) / unitMs) * unitMs
  );
  return bounds.slice(0, -1).map((b, i) => ({
    from: formatTimestamp(b),
    ...(i < count - 1 ? { to: formatTimestamp(bounds[i + 1]) } : {}),
  }));
}

const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * The filter for the window [from, to) on `field`: one `date_range` when bounded (both ends inclusive:
 * with whole days, the days from `from`'s to the one before `to`), a single `gte` when open. The
 * server's answer may be wider (whole days): readPartitioned trims every page back to the window.
 */
export function windowQuery(
  field: string,
  window: { from: string; to?: string },
  wholeDays: boolean
): Record<string, string> {
  const fromMs = parseTimestamp(window.from)!;
  const toMs = parseTimestamp(window.to);
  const lower = wholeDays ? utcDate(fromMs) : window.from;
  if (toMs === undefined) return { [`${field}[gte]`]: lower };
  return { [`${field}[date_range]`]: `${lower}~${wholeDays ? utcDate(toMs - 1) : window.to}` };
}

/** The query without any filter on `field` (a window replaces it: one operator per field). */
function withoutFilter(
  query: Record<string, string | string[]>,
  field: string
): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(query).filter(([k]) => !k.startsWith(`${field}[`)));
}

/**
 * Probes of the search for the earliest record, sent at once with the first page: planning stays one
 * round trip (a stream re-read in a loop would idle its key for each one more), and an eighth of the
 * range is precise enough for the first partition's lower edge.
 */
const PROBES = 7;

/**
 * A time before which no record matching `query` was created: one round of up to `probes` one-record
 * pages, each asking for a record created before a probe time with a single `created_at[lte]`, all at
 * once. The earliest record is then within one of the `probes + 1` slices of the range, starting at
 * the time returned. Probe times are day boundaries where the API matches by day (the probe then asks
 * up to the day before). With no record before any probe (an empty stream, or one newer than every
 * probe) it is the last probe, still at or below every record.
 */
export async function findEarliest(
  def: StreamDefinition,
  client: IncidentIoClient,
  query: Record<string, string | string[]>,
  lowerMs: number,
  upperMs: number,
  signal?: AbortSignal,
  probes = PROBES
): Promise<number> {
  const field = def.timePartition!.filter;
  const wholeDays = def.timePartition!.wholeDays === true;
  const base = withoutFilter(query, field);
  const any = async (beforeMs: number) => {
    const page = await paginate<Record<string, unknown>>(client, {
      path: def.path,
      recordsField: def.recordsField,
      // By day: through the day before the boundary. Exact: at or before the probe (a superset).
      query: { ...base, [`${field}[lte]`]: wholeDays ? utcDate(beforeMs - DAY) : formatTimestamp(beforeMs) },
      pageSize: 1,
      signal,
    }).next();
    return !page.done && page.value.records.length > 0;
  };
  const unit = wholeDays ? DAY : 1;
  const lower = Math.floor(lowerMs / unit) * unit;
  // Probe times in (lower, upper], on whole units, without repeats.
  const units = Math.floor((upperMs - lower) / unit);
  const points = [
    ...new Set(
      Array.from({ length: probes }, (_, i) => lower + Math.floor((units * (i + 1)) / (probes + 1)) * unit)
    ),
  ].filter((p) => p > lower);
  if (points.length === 0) return lower;
  const found = await Promise.all(points.map(any));
  // Nothing before the answer: the probe below the first one that found a record.
  const first = found.indexOf(true);
  if (first < 0) return points[points.length - 1];
  return first === 0 ? lower : points[first - 1];
}

/**
 * How to split a backfill. A stream sorted oldest first tells its earliest record and its size in
 * one request; others read their first page (which may be the whole stream) and bisect for the
 * earliest record. Small streams are not split.
 */
async function planPartitions(
  def: StreamDefinition,
  client: IncidentIoClient,
  query: Record<string, string | string[]>,
  pageSize: number | undefined,
  startedMs: number,
  opts: ReadStreamOptions & { since?: string; partitions: number }
): Promise<
  | { parts: TimePartition[]; pageBytes?: number; wholeStream?: undefined }
  | { wholeStream: Record<string, unknown>[] }
> {
  const field = def.timePartition!.filter;
  // pageBytes: the size of a full page, as far as planning saw one, so that the first partitions
  // start with as many pages in flight as that size allows.
  const open = (fromMs: number, n: number, pageBytes?: number) => ({
    parts: splitRange(fromMs, startedMs, n, partitionUnit(def, fromMs, startedMs, n)),
    pageBytes,
  });
  if (def.timePartition!.oldestFirst) {
    const first = await paginate<Record<string, unknown>>(client, {
      path: def.path,
      recordsField: def.recordsField,
      query,
      pageSize: 1,
      signal: opts.signal,
    }).next();
    if (!first.done && first.value.total !== undefined) opts.onTotal?.(first.value.total);
    const earliest = first.done ? undefined : parseTimestamp(first.value.records[0]?.[field]);
    // Nothing yet: one open partition still reads what gets created during the scan.
    if (earliest === undefined) return open(startedMs, 1);
    const pages = Math.ceil((first.done ? 0 : (first.value.total ?? Infinity)) / (pageSize ?? 25));
    // PAGES_PER_PARTITION pages or more per partition: each ends on a partial (or empty) page.
    // A one-record page, scaled: an overestimate by the envelope, so on the safe side.
    const oneRecord = first.done ? undefined : first.value.bodyLength;
    const pageBytes = oneRecord === undefined ? undefined : oneRecord * (pageSize ?? 25);
    return open(
      earliest,
      Math.max(1, Math.min(opts.partitions, Math.ceil(pages / PAGES_PER_PARTITION))),
      pageBytes
    );
  }
  const firstIter = paginate<Record<string, unknown>>(client, {
    path: def.path,
    recordsField: def.recordsField,
    query,
    pageSize,
    signal: opts.signal,
  });
  // The range starts at the cursor's window when the cursor is on the partition field itself.
  const sinceMs = def.cursorFilter === field ? parseTimestamp(opts.since) : undefined;
  const lower = sinceMs ?? parseTimestamp(opts.config.start_date) ?? EARLIEST_POSSIBLE;
  // The search goes out with the first page rather than after it: planning is then one round trip,
  // at the price of PROBES requests wasted on a stream of one page.
  const search = findEarliest(def, client, query, lower, startedMs, opts.signal);
  search.catch(() => undefined); // awaited below, or abandoned with a small stream
  const first = await firstIter.next();
  await firstIter.return(undefined);
  if (!first.done && first.value.total !== undefined) opts.onTotal?.(first.value.total);
  if (first.done || !first.value.next) return { wholeStream: first.done ? [] : first.value.records };
  const earliest = await search;
  // No total here: estimate the pages from the first page's density over the whole range, so a
  // stream of a few pages is not cut into many near-empty partitions (each costs a request).
  const times = first.value.records
    .map((r) => parseTimestamp(r[field]))
    .filter((t): t is number => t !== undefined);
  const span = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
  const perPage = first.value.records.length;
  const pages =
    span > 0
      ? Math.ceil((((startedMs - earliest) / span) * perPage) / (pageSize ?? perPage))
      : opts.partitions;
  return open(
    earliest,
    Math.max(1, Math.min(opts.partitions, Math.ceil(pages / PAGES_PER_PARTITION))),
    first.value.bodyLength
  );
}

/**
 * Whether a record the server returned for `part` is kept there: trimmed to [from, to), so a record
 * on a boundary belongs to the partition that starts there. A time that does not parse cannot be
 * placed; the server matched it to this window, so it is kept rather than lost.
 */
export function partitionFilter(
  part: Pick<TimePartition, 'from' | 'to'>
): (t: number | undefined) => boolean {
  const fromMs = parseTimestamp(part.from)!;
  const toMs = parseTimestamp(part.to) ?? Infinity;
  return (t) => t === undefined || (t >= fromMs && t < toMs);
}

export async function* readPartitioned(
  def: StreamDefinition,
  client: IncidentIoClient,
  opts: ReadStreamOptions & { since?: string; workers: number | (() => number); partitions: number }
): AsyncGenerator<SourceMessage> {
  const now = opts.now ?? Date.now;
  const field = def.timePartition!.filter;
  const wholeDays = def.timePartition!.wholeDays === true;
  const prior = parentStreamState(opts.state);
  const query = listQuery(def, opts.config, now());
  const sinceForCursor = opts.since;
  if (sinceForCursor && def.cursorFilter) query[`${def.cursorFilter}[gte]`] = sinceForCursor;
  // The server may match the cursor filter by whole days: what it adds before `since` is cut here.
  const sinceMs = def.cursorFilter && def.cursorField ? parseTimestamp(sinceForCursor) : undefined;
  const afterSince = (r: Record<string, unknown>): boolean =>
    sinceMs === undefined || (parseTimestamp(r[def.cursorField!]) ?? Infinity) >= sinceMs;
  // Each partition's window replaces any other filter on its field (one operator per field).
  const pageQuery = withoutFilter(query, field);
  const pageSize = clampPageSize(def, opts.config.page_sizes?.[def.name]);

  let scan: PartitionedScan;
  let plannedPageBytes: number | undefined;
  if (prior.scan && isPartitioned(prior.scan)) {
    // Also a scan planned by an older version on whole seconds: its windows are asked for by whole
    // days where the API needs them and trimmed back below, so it resumes where it stopped.
    scan = prior.scan;
  } else {
    const startedMs = now();
    const plan = await planPartitions(def, client, query, pageSize, startedMs, opts);
    if (plan.wholeStream) {
      // The first page was the whole stream: no partitions needed, nothing read twice.
      let max: string | undefined;
      let emitted = 0;
      for (const raw of plan.wholeStream.filter(afterSince)) {
        if (def.cursorField) max = laterTimestamp(max, raw[def.cursorField] as string | undefined);
        yield { type: 'record', stream: def.name, data: prepareRecord(def, raw, opts.transform) };
        if (opts.limit !== undefined && ++emitted >= opts.limit) return;
      }
      opts.onPage?.(1);
      const whole = { started_at: formatTimestamp(startedMs), max_seen: max };
      yield { type: 'state', stream: def.name, state: endOfScan(prior.cursor, whole) };
      return;
    }
    scan = {
      started_at: formatTimestamp(startedMs),
      ...(sinceForCursor ? { since: sinceForCursor } : {}),
      parts: plan.parts,
    };
    plannedPageBytes = plan.pageBytes;
  }

  type PageOutcome = {
    part: TimePartition;
    records: Record<string, unknown>[];
    next?: string;
    bodyLength?: number;
  };
  // The partition with the most records left is asked for first, so that all of them end together.
  const progress = new PartitionProgress(!def.timePartition!.oldestFirst, now);
  const pull = async (part: TimePartition): Promise<PageOutcome> => {
    const iter = paginate<Record<string, unknown>>(client, {
      path: def.path,
      recordsField: def.recordsField,
      query: { ...pageQuery, ...windowQuery(field, part, wholeDays) },
      pageSize,
      after: part.after,
      signal: opts.signal,
    });
    // One page per call: the cursor goes into the state before the next page is asked for.
    const page = await iter.next();
    await iter.return(undefined);
    if (page.done) return { part, records: [] };
    if (page.value.next !== undefined && page.value.next === part.after) {
      throw cursorNotAdvancing(def.path, part.after);
    }
    const times = page.value.records.map((r) => parseTimestamp(r[field]));
    progress.note(part, times);
    const inPartition = partitionFilter(part);
    const records = page.value.records.filter((r, i) => inPartition(times[i]) && afterSince(r));
    return { part, records, next: page.value.next, bodyLength: page.value.bodyLength };
  };

  // Asked again before every page: the latency and the number of streams still reading change, and
  // a stream left reading alone should take the whole budget.
  const workers = typeof opts.workers === 'function' ? opts.workers : () => opts.workers as number;
  let emitted = 0;
  let pages = 0;
  const inFlight = new CompletionQueue<PageOutcome>();
  const queue = scan.parts.filter((p) => !p.done);
  // Pages of big records (a page of incidents is over a megabyte) are also bounded by size, so that a
  // read's memory and its bursts of parsing stay small while other streams keep the budget busy.
  let pageBytes: number | undefined = plannedPageBytes;
  const fill = () => {
    // Two pages until an answer (or planning) tells their size.
    const bytes = opts.inFlightBytes?.() ?? IN_FLIGHT_BYTES;
    const bySize = pageBytes ? Math.max(1, Math.floor(bytes / pageBytes)) : 2;
    const target = Math.min(workers(), bySize);
    while (inFlight.size < target && queue.length > 0) inFlight.add(pull(progress.takeLargest(queue)!));
  };
  fill();
  while (inFlight.size > 0) {
    const outcome = await inFlight.next();
    pages++;
    if (outcome.bodyLength) pageBytes = Math.max(pageBytes ?? 0, outcome.bodyLength);
    if (outcome.next) {
      outcome.part.after = outcome.next;
      queue.push(outcome.part);
    } else {
      outcome.part.done = true;
      delete outcome.part.after;
    }
    // The next pages are asked for before this one's records go out, so the budget keeps working
    // while the consumer is busy. The state below is still saved only after the records.
    fill();
    for (const raw of outcome.records) {
      if (def.cursorField)
        scan.max_seen = laterTimestamp(scan.max_seen, raw[def.cursorField] as string | undefined);
      yield { type: 'record', stream: def.name, data: prepareRecord(def, raw, opts.transform) };
      emitted++;
      // Pages still in flight are abandoned; their cursors were never saved.
      if (opts.limit !== undefined && emitted >= opts.limit) return;
    }
    opts.onPage?.(pages);
    if (inFlight.size > 0 || queue.length > 0) {
      // A copy: the scan's partitions go on changing after the state is handed out.
      const state = JSON.parse(JSON.stringify({ ...keptCursor(prior.cursor), scan })) as PartitionedScanState;
      yield { type: 'state', stream: def.name, state };
    }
  }
  // As in a flat scan: the cursor reaches min(newest seen, scan start) once every partition is done.
  yield { type: 'state', stream: def.name, state: endOfScan(prior.cursor, scan) };
}
