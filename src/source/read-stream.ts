// Reads one declarative stream page by page and emits a state after every page. Incremental streams
// scan `cursor[gte] = cursor − lookback`; the cursor only moves when a scan completes, and then only
// to min(newest value seen, scan start), so records changed during the scan are read next time.
import type { SourceMessage, StreamState, SyncMode } from '../contract';
import type { IncidentIoClient } from '../http/client';
import { paginate } from '../http/paginate';
import { formatTimestamp, parseTimestamp } from '../util/time';
import type { StreamDefinition } from './streams/types';

export interface StreamCursorState {
  /** Completed scans have read every record with cursorField up to this value. */
  cursor?: string;
  /** A scan in progress: resuming continues it after `after`. */
  scan?: { after?: string; since?: string; started_at: string; max_seen?: string };
}

export interface ReadStreamOptions {
  syncMode: SyncMode;
  state?: StreamState;
  startDate?: string;
  lookbackMs: number;
  pageSize?: number;
  limit?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** Per-page progress callback (records so far, pages so far). */
  onPage?: (records: number, pages: number) => void;
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  const ta = parseTimestamp(a);
  const tb = parseTimestamp(b);
  if (ta === undefined) return tb === undefined ? undefined : b;
  if (tb === undefined) return a;
  return tb > ta ? b : a;
}

function earlier(a: string | undefined, b: string | undefined): string | undefined {
  const ta = parseTimestamp(a);
  const tb = parseTimestamp(b);
  if (ta === undefined || tb === undefined) return ta === undefined ? b : a;
  return tb < ta ? b : a;
}

export function clampPageSize(def: StreamDefinition, requested?: number): number | undefined {
  if (def.pageSize === undefined) return undefined;
  return Math.max(1, Math.min(def.pageSize, requested ?? def.pageSize));
}

export async function* readStream(
  def: StreamDefinition,
  client: IncidentIoClient,
  opts: ReadStreamOptions
): AsyncGenerator<SourceMessage> {
  const now = opts.now ?? Date.now;
  const prior = (opts.state ?? {}) as StreamCursorState;
  const incremental = opts.syncMode === 'incremental' && def.cursorField !== undefined;
  const resumed = prior.scan;
  let since: string | undefined;
  if (resumed) {
    since = resumed.since;
  } else if (incremental && prior.cursor) {
    const from = (parseTimestamp(prior.cursor) ?? 0) - opts.lookbackMs;
    since = later(formatTimestamp(from), opts.startDate);
  } else {
    since = opts.startDate;
  }
  const scan = {
    started_at: resumed?.started_at ?? formatTimestamp(now()),
    since,
    max_seen: resumed?.max_seen,
  };
  const query: Record<string, string | string[]> = { ...def.query };
  if (since && def.cursorFilter) query[`${def.cursorFilter}[gte]`] = since;

  let records = 0;
  let pages = 0;
  const pageSize = clampPageSize(def, opts.pageSize);
  for await (const page of paginate<Record<string, unknown>>(client, {
    path: def.path,
    recordsField: def.recordsField,
    query,
    pageSize,
    after: resumed?.after,
    signal: opts.signal,
  })) {
    pages++;
    for (const record of page.records) {
      if (def.cursorField)
        scan.max_seen = later(scan.max_seen, record[def.cursorField] as string | undefined);
      yield { type: 'record', stream: def.name, data: record };
      records++;
      // Stopping mid-page emits no state for it: the last state emitted stays a safe resume point.
      if (opts.limit !== undefined && records >= opts.limit) return;
    }
    opts.onPage?.(records, pages);
    if (page.next) {
      const state: StreamCursorState = {
        ...(prior.cursor ? { cursor: prior.cursor } : {}),
        scan: { ...scan, after: page.next },
      };
      yield { type: 'state', stream: def.name, state: state as StreamState };
    }
  }
  // The scan is complete: records changed after it started have cursor values ≥ its start.
  const reached = scan.max_seen ? earlier(scan.max_seen, scan.started_at) : undefined;
  const cursor = later(prior.cursor, reached);
  yield { type: 'state', stream: def.name, state: (cursor ? { cursor } : {}) as StreamState };
}
