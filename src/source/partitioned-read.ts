// A long backfill of a stream that can filter on created_at is split into time partitions paged
// concurrently, so the key's budget rather than round-trip latency bounds the read. Partitions are
// half-open [from, to): the API's `lte` is inclusive, so a record exactly on a boundary is dropped by
// the partition below it and kept by the one above — each record appears exactly once. The last
// partition has no upper bound, so incidents created during the scan are still read.
import type { SourceMessage, StreamState } from '../contract';
import type { IncidentIoClient } from '../http/client';
import { paginate } from '../http/paginate';
import { ConnectorError } from '../errors';
import { CompletionQueue } from '../util/completion-queue';
import { earlierTimestamp, formatTimestamp, laterTimestamp, parseTimestamp } from '../util/time';
import { clampPageSize, type ReadStreamOptions, type StreamCursorState } from './read-stream';
import type { StreamDefinition } from './streams/types';

export interface TimePartition {
  from: string;
  /** Exclusive upper bound; absent on the last partition. */
  to?: string;
  after?: string;
  done?: boolean;
}

export interface PartitionedScan {
  started_at: string;
  since?: string;
  max_seen?: string;
  parts: TimePartition[];
}

/** Response bodies one partitioned stream keeps in flight at most (characters, about bytes). */
const IN_FLIGHT_BYTES = 16 * 1024 * 1024;

/** incident.io launched in 2021: no organisation has records before this. */
const EARLIEST_POSSIBLE = Date.parse('2019-01-01T00:00:00Z');
const SECOND = 1000;

/** Splits [from, to) into n slices on whole seconds; the last is open-ended. */
export function splitRange(fromMs: number, toMs: number, n: number): TimePartition[] {
  const from = Math.floor(fromMs / SECOND) * SECOND;
  const span = Math.max(0, toMs - from);
  const count = Math.max(1, Math.min(n, Math.floor(span / SECOND)));
  const bounds = Array.from(
    { length: count + 1 },
    (_, i) => Math.floor((from + (span * i) / count) / SECOND) * SECOND
  );
  return bounds.slice(0, -1).map((b, i) => ({
    from: formatTimestamp(b),
    ...(i < count - 1 ? { to: formatTimestamp(bounds[i + 1]) } : {}),
  }));
}

/** Probes of the search for the earliest record: sent at once, from the burst. */
const PROBES = 15;

/**
 * A time just below the created_at of the oldest record matching `query`: one round of PROBES
 * one-record pages over `created_at[lte]`, all at once, so the search costs one round trip (it
 * places only the first partition's lower edge, and a sixteenth of the range is precise enough).
 * With no record at or before any probe (an empty stream, or one newer than every probe) it is
 * the last probe, still below every record.
 */
export async function findEarliest(
  def: StreamDefinition,
  client: IncidentIoClient,
  query: Record<string, string | string[]>,
  lowerMs: number,
  upperMs: number,
  signal?: AbortSignal
): Promise<number> {
  const field = def.timePartition!.filter;
  const any = async (toMs: number) => {
    const page = await paginate<Record<string, unknown>>(client, {
      path: def.path,
      recordsField: def.recordsField,
      query: { ...query, [`${field}[lte]`]: formatTimestamp(toMs) },
      pageSize: 1,
      signal,
    }).next();
    return !page.done && page.value.records.length > 0;
  };
  const points = Array.from({ length: PROBES }, (_, i) =>
    Math.floor(lowerMs + ((upperMs - lowerMs) * (i + 1)) / (PROBES + 1))
  );
  const found = await Promise.all(points.map(any));
  // Nothing at or before the answer: the probe below the first one that found a record.
  const first = found.indexOf(true);
  if (first < 0) return points[PROBES - 1];
  return first === 0 ? lowerMs : points[first - 1];
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
    parts: splitRange(fromMs, startedMs, n),
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
    const earliest = first.done ? undefined : parseTimestamp(first.value.records[0]?.[field]);
    // Nothing yet: one open partition still reads what gets created during the scan.
    if (earliest === undefined) return open(startedMs, 1);
    const pages = Math.ceil((first.done ? 0 : (first.value.total ?? Infinity)) / (pageSize ?? 25));
    // Two pages or more per partition: each partition ends on a partial (or empty) page.
    // A one-record page, scaled: an overestimate by the envelope, so on the safe side.
    const oneRecord = first.done ? undefined : first.value.bodyLength;
    const pageBytes = oneRecord === undefined ? undefined : oneRecord * (pageSize ?? 25);
    return open(earliest, Math.max(1, Math.min(opts.partitions, Math.ceil(pages / 2))), pageBytes);
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
  // The search goes out with the first page rather than after it: planning is then one round trip
  // while the bucket sits full, at the price of PROBES requests wasted on a stream of one page.
  const search = findEarliest(def, client, query, lower, startedMs, opts.signal);
  search.catch(() => undefined); // awaited below, or abandoned with a small stream
  const first = await firstIter.next();
  await firstIter.return(undefined);
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
  return open(earliest, Math.max(1, Math.min(opts.partitions, Math.ceil(pages / 2))), first.value.bodyLength);
}

export async function* readPartitioned(
  def: StreamDefinition,
  client: IncidentIoClient,
  opts: ReadStreamOptions & { since?: string; workers: number | (() => number); partitions: number }
): AsyncGenerator<SourceMessage> {
  const now = opts.now ?? Date.now;
  const field = def.timePartition!.filter;
  const prior = (opts.state ?? {}) as StreamCursorState & { scan?: PartitionedScan };
  const query: Record<string, string | string[]> = { ...def.query };
  const sinceForCursor = opts.since;
  if (sinceForCursor && def.cursorFilter) query[`${def.cursorFilter}[gte]`] = sinceForCursor;
  const pageSize = clampPageSize(def, opts.config.page_sizes?.[def.name]);

  let scan: PartitionedScan;
  let plannedPageBytes: number | undefined;
  if (prior.scan?.parts) {
    scan = prior.scan;
  } else {
    const startedMs = now();
    const plan = await planPartitions(def, client, query, pageSize, startedMs, opts);
    if (plan.wholeStream) {
      // The first page was the whole stream: no partitions needed, nothing read twice.
      let max: string | undefined;
      let emitted = 0;
      for (const raw of plan.wholeStream) {
        if (def.cursorField) max = laterTimestamp(max, raw[def.cursorField] as string | undefined);
        yield { type: 'record', stream: def.name, data: opts.transform ? opts.transform(raw) : raw };
        if (opts.limit !== undefined && ++emitted >= opts.limit) return;
      }
      opts.onPage?.(1);
      const reached = max ? earlierTimestamp(max, formatTimestamp(startedMs)) : undefined;
      const cursor = laterTimestamp(prior.cursor, reached);
      yield { type: 'state', stream: def.name, state: (cursor ? { cursor } : {}) as StreamState };
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
  const pull = async (part: TimePartition): Promise<PageOutcome> => {
    const iter = paginate<Record<string, unknown>>(client, {
      path: def.path,
      recordsField: def.recordsField,
      query: { ...query, [`${field}[gte]`]: part.from, ...(part.to ? { [`${field}[lte]`]: part.to } : {}) },
      pageSize,
      after: part.after,
      signal: opts.signal,
    });
    // One page per call: the cursor goes into the state before the next page is asked for.
    const page = await iter.next();
    await iter.return(undefined);
    if (page.done) return { part, records: [] };
    if (page.value.next !== undefined && page.value.next === part.after) {
      throw new ConnectorError(
        'system',
        `incident.io returned the cursor "${part.after}" for GET ${def.path} twice, so paging would never end; ` +
          'the read stopped after the last complete page (its state is saved): try again later',
        { code: 'cursor_not_advancing' }
      );
    }
    const toMs = parseTimestamp(part.to);
    const records = page.value.records.filter(
      (r) => toMs === undefined || (parseTimestamp(r[field]) ?? 0) < toMs
    );
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
    const bySize = pageBytes ? Math.max(1, Math.floor(IN_FLIGHT_BYTES / pageBytes)) : 2;
    const target = Math.min(workers(), bySize);
    while (inFlight.size < target && queue.length > 0) inFlight.add(pull(queue.shift()!));
  };
  fill();
  while (inFlight.size > 0) {
    const outcome = await inFlight.next();
    pages++;
    if (outcome.bodyLength) pageBytes = Math.max(pageBytes ?? 0, outcome.bodyLength);
    if (outcome.next) {
      outcome.part.after = outcome.next;
      // Round robin: partitions of similar size then finish together, so the read does not end
      // with one partition paging alone while the budget goes unused.
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
      yield { type: 'record', stream: def.name, data: opts.transform ? opts.transform(raw) : raw };
      emitted++;
      // Pages still in flight are abandoned; their cursors were never saved.
      if (opts.limit !== undefined && emitted >= opts.limit) return;
    }
    opts.onPage?.(pages);
    if (inFlight.size > 0 || queue.length > 0) {
      const state = { ...(prior.cursor ? { cursor: prior.cursor } : {}), scan };
      yield { type: 'state', stream: def.name, state: JSON.parse(JSON.stringify(state)) as StreamState };
    }
  }
  // As in a flat scan: the cursor reaches min(newest seen, scan start) once every partition is done.
  const reached = scan.max_seen ? earlierTimestamp(scan.max_seen, scan.started_at) : undefined;
  const cursor = laterTimestamp(prior.cursor, reached);
  yield { type: 'state', stream: def.name, state: (cursor ? { cursor } : {}) as StreamState };
}
