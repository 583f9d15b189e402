// Reads one declarative stream page by page and emits a state after every page. Incremental streams
// scan `cursor[gte] = cursor − lookback` (or filter client-side when the API cannot); the cursor only
// moves when a scan completes, and then only to min(newest value seen, scan start), so records changed
// during the scan are read next time. Child streams walk their parent stream and checkpoint on its pages.
import type { SourceMessage, StreamState, SyncMode } from '../contract';
import { ApiError } from '../errors';
import type { IncidentIoClient } from '../http/client';
import { paginate } from '../http/paginate';
import { readPartitioned } from './partitioned-read';
import { readOrgWide, readsOrgWide } from './org-wide-read';
import { mapOrdered } from '../util/ordered-pool';
import { readAhead } from '../util/read-ahead';
import { formatTimestamp, laterTimestamp, parseTimestamp } from '../util/time';
import { clampPageSize, lookbackMs, type ReadStreamOptions } from './read-options';
import { listQuery, prepareRecord } from './records';
import {
  childStreamState,
  endOfScan,
  isPartitioned,
  keptCursor,
  parentStreamState,
  type ChildState,
  type FlatScanState,
  type ParentStreamState,
} from './state';
import { findStream } from './streams';
import type { StreamDefinition } from './streams/types';

export type { ReadStreamOptions } from './read-options';

export function readStream(
  def: StreamDefinition,
  client: IncidentIoClient,
  opts: ReadStreamOptions
): AsyncGenerator<SourceMessage> {
  if (def.parent && readsOrgWide(def, opts.syncMode, opts.state)) {
    return readOrgWide(def, opts.state, opts.now ?? Date.now, (flatDef, state) =>
      readFlatStream(flatDef, client, { ...opts, syncMode: 'full_refresh', state })
    );
  }
  if (def.parent) return readChildStream(def, client, opts);
  const prior = parentStreamState(opts.state);
  // A backfill (no cursor yet) of a stream that filters on created_at is paged in parallel time
  // partitions; a flat scan already in progress resumes flat.
  const partitions = opts.partitions ?? 1;
  const backfill = !prior.cursor && (!prior.scan || isPartitioned(prior.scan));
  if (def.timePartition && partitions > 1 && backfill) {
    return readPartitioned(def, client, {
      ...opts,
      since: sinceFor(def, prior, opts),
      partitions,
      workers: opts.workers ?? 4,
    });
  }
  return readFlatStream(def, client, opts);
}

/** Where a new scan starts: the cursor minus the lookback, never before start_date. */
function sinceFor(
  def: StreamDefinition,
  prior: { cursor?: string },
  opts: ReadStreamOptions
): string | undefined {
  const incremental = opts.syncMode === 'incremental' && def.cursorField !== undefined;
  if (incremental && prior.cursor) {
    const from = (parseTimestamp(prior.cursor) ?? 0) - lookbackMs(def, opts.config);
    return laterTimestamp(formatTimestamp(from), opts.config.start_date);
  }
  return def.cursorFilter ? opts.config.start_date : undefined;
}

async function* readFlatStream(
  def: StreamDefinition,
  client: IncidentIoClient,
  opts: ReadStreamOptions
): AsyncGenerator<SourceMessage> {
  const now = opts.now ?? Date.now;
  const prior = parentStreamState(opts.state);
  const incremental = opts.syncMode === 'incremental' && def.cursorField !== undefined;
  // A partitioned scan never gets here (readStream sends it to readPartitioned).
  const resumed = prior.scan && !isPartitioned(prior.scan) ? prior.scan : undefined;
  const since = resumed ? resumed.since : sinceFor(def, prior, opts);
  const scan = {
    started_at: resumed?.started_at ?? formatTimestamp(now()),
    since,
    max_seen: resumed?.max_seen,
  };
  const query = listQuery(def, opts.config, now());
  if (since && def.cursorFilter) query[`${def.cursorFilter}[gte]`] = since;
  // Without a server-side filter, incremental reads everything and keeps what changed (small lists);
  // with one, what the server adds (incidents and escalations match it by whole days) is cut here.
  const sinceMs = incremental || def.cursorFilter ? parseTimestamp(since) : undefined;
  const partitions = def.partitionBy?.values ?? [undefined];

  let emitted = 0;
  let pages = 0;
  for (let p = resumed?.partition ?? 0; p < partitions.length; p++) {
    const partitionQuery = def.partitionBy
      ? { ...query, [def.partitionBy.param]: partitions[p] as string }
      : query;
    for await (const page of paginate<Record<string, unknown>>(client, {
      path: def.path,
      recordsField: def.recordsField,
      afterParam: def.afterParam,
      query: partitionQuery,
      pageSize: clampPageSize(def, opts.config.page_sizes?.[def.name]),
      after: p === (resumed?.partition ?? 0) ? resumed?.after : undefined,
      signal: opts.signal,
    })) {
      pages++;
      // A fresh scan of one list: its first page's total is the scan's (a resumed one has read part).
      if (pages === 1 && !resumed && partitions.length === 1 && page.total !== undefined)
        opts.onTotal?.(page.total);
      for (const raw of page.records) {
        const value = def.cursorField ? (raw[def.cursorField] as string | undefined) : undefined;
        if (def.cursorField) scan.max_seen = laterTimestamp(scan.max_seen, value);
        if (sinceMs !== undefined && (parseTimestamp(value) ?? Infinity) < sinceMs) continue;
        yield { type: 'record', stream: def.name, data: prepareRecord(def, raw, opts.transform) };
        emitted++;
        // Stopping mid-page emits no state for it: the last state emitted stays a safe resume point.
        if (opts.limit !== undefined && emitted >= opts.limit) return;
      }
      opts.onPage?.(pages);
      const next = page.next
        ? { partition: p, after: page.next }
        : p + 1 < partitions.length
          ? { partition: p + 1 }
          : undefined;
      if (next) {
        const state: FlatScanState = {
          ...keptCursor(prior.cursor),
          scan: {
            ...scan,
            ...(def.partitionBy ? { partition: next.partition } : {}),
            ...(next.after ? { after: next.after } : {}),
          },
        };
        yield { type: 'state', stream: def.name, state };
      }
    }
  }
  yield { type: 'state', stream: def.name, state: endOfScan(prior.cursor, scan) };
}

async function* readChildStream(
  def: StreamDefinition,
  client: IncidentIoClient,
  opts: ReadStreamOptions
): AsyncGenerator<SourceMessage> {
  const link = def.parent!;
  const parentDef = findStream(link.stream);
  if (!parentDef) throw new Error(`stream ${def.name} names an unknown parent ${link.stream}`);
  const prior = childStreamState(opts.state);
  const now = opts.now ?? Date.now;
  // Children with a cursor of their own: every parent, children kept by that cursor. A state of an
  // older version (a parent scan without the children's) starts the scan over, losing nothing.
  const own = link.ownCursor && def.cursorField ? def.cursorField : undefined;
  const ownScan = own
    ? {
        started_at: (prior.parent && prior.scan?.started_at) || formatTimestamp(now()),
        max_seen: prior.parent ? prior.scan?.max_seen : undefined,
      }
    : undefined;
  const ownSince =
    own && opts.syncMode === 'incremental' && prior.cursor
      ? (parseTimestamp(prior.cursor) ?? 0) - lookbackMs(def, opts.config)
      : undefined;
  const parentState = own
    ? prior.scan
      ? prior.parent
      : undefined
    : (prior.parent ?? (prior.cursor ? { cursor: prior.cursor } : undefined));
  // Incremental children re-read only the parents changed since the cursor.
  const parentMode: SyncMode =
    opts.syncMode === 'incremental' && parentDef.cursorField && !own ? 'incremental' : 'full_refresh';
  let emitted = 0;
  let pages = 0;

  const childrenOf = async (parentId: string): Promise<Record<string, unknown>[]> => {
    const out: Record<string, unknown>[] = [];
    try {
      for await (const page of childPages(def, client, parentId, opts)) {
        for (const record of page) {
          if (own && ownScan) {
            const value = record[own] as string | undefined;
            ownScan.max_seen = laterTimestamp(ownScan.max_seen, value);
            if (ownSince !== undefined && (parseTimestamp(value) ?? Infinity) < ownSince) continue;
          }
          out.push(record);
        }
      }
    } catch (e) {
      // The parent was deleted between its listing and this read: skip it, count it, go on.
      if (e instanceof ApiError && e.status === 404) {
        opts.onSkippedParent?.(parentId);
        return [];
      }
      throw e;
    }
    return out;
  };

  // One pipeline over every parent: the next parent page is fetched while the children of this one
  // are read, and the children's requests never drain to nothing between parent pages. A state still
  // goes out only after the children of every parent before it.
  const parents = readAhead(
    readFlatStream(parentDef, client, {
      ...opts,
      syncMode: parentMode,
      state: parentState,
      limit: undefined,
      transform: undefined,
      onPage: undefined,
      onTotal: undefined,
    }),
    (msg) => msg.type === 'state'
  );
  type Step = { children: Record<string, unknown>[] } | { state: StreamState };
  async function* steps(): AsyncGenerator<string | StreamState> {
    for await (const msg of parents) {
      if (msg.type === 'record') yield String(msg.data.id);
      else if (msg.type === 'state') yield msg.state;
    }
  }
  const concurrency = opts.childConcurrency ?? 8;
  for await (const step of mapOrdered<string | StreamState, Step>(steps(), concurrency, async (item) =>
    typeof item === 'string' ? { children: await childrenOf(item) } : { state: item }
  )) {
    if ('children' in step) {
      for (const record of step.children) {
        yield { type: 'record', stream: def.name, data: record };
        emitted++;
        if (opts.limit !== undefined && emitted >= opts.limit) return;
      }
      continue;
    }
    opts.onPage?.(++pages);
    const parent = step.state as ParentStreamState;
    const kept = keptCursor(prior.cursor);
    let state: ChildState;
    if (ownScan) {
      // The children's own cursor moves, as a flat scan's, once every parent was read.
      state = parent.scan
        ? { ...kept, parent: step.state, scan: { ...ownScan } }
        : endOfScan(prior.cursor, ownScan);
    } else {
      state = parent.scan ? { ...kept, parent: step.state } : keptCursor(parent.cursor);
    }
    yield { type: 'state', stream: def.name, state };
  }
}

/** The children of one parent of a child stream, page by page, each record as read() emits it. */
export async function* childPages(
  def: StreamDefinition,
  client: IncidentIoClient,
  parentId: string,
  opts: Pick<ReadStreamOptions, 'config' | 'signal' | 'transform' | 'now'>
): AsyncGenerator<Array<Record<string, unknown>>> {
  const link = def.parent!;
  const query = { ...listQuery(def, opts.config, (opts.now ?? Date.now)()), [link.param]: parentId };
  for await (const page of paginate<Record<string, unknown>>(client, {
    path: def.path,
    recordsField: def.recordsField,
    afterParam: def.afterParam,
    query,
    pageSize: clampPageSize(def, opts.config.page_sizes?.[def.name]),
    // Window-paged endpoints carry the cursor in a window parameter (schedule_entries:
    // entry_window_start): the first page sends the window's own value, which paginate() would
    // otherwise overwrite with the absent cursor (and the API then starts the window at now).
    after: def.afterParam ? (query[def.afterParam] as string | undefined) : undefined,
    signal: opts.signal,
  })) {
    yield page.records.map((raw) =>
      prepareRecord(def, raw, opts.transform, (record) => {
        if (link.addToRecord && record[link.param] === undefined) record[link.param] = parentId;
      })
    );
  }
}
