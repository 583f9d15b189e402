// The shapes of a stream's saved state and the one rule that ends a scan. A state is one of: idle
// (between scans: only the cursor), a flat scan in progress, a partitioned backfill in progress, or a
// child stream's (its parent's checkpoint, and its own scan when the children carry their own cursor).
// state-check.ts refuses garbage before a reader sees a state, so readers take these shapes as given.
import type { StreamState } from '../contract';
import { earlierTimestamp, laterTimestamp } from '../util/time';

/** What every scan records: when it started, where it started reading, the newest cursor value seen. */
export type ScanProgress = { started_at: string; since?: string; max_seen?: string };

/** A flat scan: resumes in `partition` (streams read once per partitionBy value) after `after`. */
export type FlatScan = ScanProgress & { partition?: number; after?: string };

/** One time window of a partitioned backfill, half-open [from, to); the last one has no `to`. */
export type TimePartition = { from: string; to?: string; after?: string; done?: boolean };

/** A backfill paged in parallel time partitions (partitioned-read.ts). */
export type PartitionedScan = ScanProgress & { parts: TimePartition[] };

/** A child stream's scan of its own cursor field, across every parent. */
export type ChildScan = { started_at: string; max_seen?: string };

/** Between scans: completed scans have read every record with cursorField up to `cursor`. */
export type IdleState = { cursor?: string; scan?: undefined; parent?: undefined };
export type FlatScanState = { cursor?: string; scan: FlatScan; parent?: undefined };
export type PartitionedScanState = { cursor?: string; scan: PartitionedScan; parent?: undefined };
/** `parent`: the parent stream's checkpoint after whose page every child was read. */
export type ChildState = { cursor?: string; parent?: StreamState; scan?: ChildScan };

export type ParentStreamState = IdleState | FlatScanState | PartitionedScanState;
export type CursorState = ParentStreamState | ChildState;

/** A saved state as the reader of a stream without a parent sees it (state-check.ts vetted it). */
export function parentStreamState(state: StreamState | undefined): ParentStreamState {
  return (state ?? {}) as ParentStreamState;
}

/** A saved state as a child stream's reader sees it. */
export function childStreamState(state: StreamState | undefined): ChildState {
  return (state ?? {}) as ChildState;
}

export function isPartitioned(scan: FlatScan | PartitionedScan): scan is PartitionedScan {
  return (scan as PartitionedScan).parts !== undefined;
}

/**
 * The end of a complete scan: the cursor moves to min(newest value seen, scan start), never back.
 * Records changed while the scan ran have cursor values at or after its start, so the next scan
 * reads them again rather than missing them.
 */
export function endOfScan(
  cursor: string | undefined,
  scan: { started_at: string; max_seen?: string }
): IdleState {
  const reached = scan.max_seen ? earlierTimestamp(scan.max_seen, scan.started_at) : undefined;
  const next = laterTimestamp(cursor, reached);
  return next ? { cursor: next } : {};
}

/** The cursor carried by a state saved mid-scan (absent before the first scan completed). */
export function keptCursor(cursor: string | undefined): { cursor?: string } {
  return cursor ? { cursor } : {};
}
