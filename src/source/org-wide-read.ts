// Child streams whose list endpoint also serves the whole organisation (post-mortem documents, the
// alerts of incidents): a backfill or a full refresh reads that one list, pages at the largest size,
// instead of one request (or more) per parent. An incremental read with a cursor still asks per
// changed parent: those are usually a few, and the organisation-wide list cannot filter by time.
import type { SourceMessage, StreamState } from '../contract';
import type { StreamDefinition } from './streams/types';
import { formatTimestamp } from '../util/time';

/** A scan of the organisation-wide list in progress: where to resume, when it started. */
export interface OrgWideScan {
  started_at: string;
  after?: string;
}

export interface OrgWideState {
  /** Set once a scan completed: the next incremental read asks for the parents changed since. */
  cursor?: string;
  org_scan?: OrgWideScan;
  /** A per-parent scan in progress (child-stream state): it resumes per parent. */
  parent?: unknown;
}

/** Whether this read of a child stream goes to the organisation-wide list. */
export function readsOrgWide(
  def: StreamDefinition,
  syncMode: 'full_refresh' | 'incremental',
  state: StreamState | undefined
): boolean {
  if (!def.parent?.orgWide) return false;
  const prior = (state ?? {}) as OrgWideState;
  if (prior.org_scan) return true;
  if (prior.parent !== undefined) return false;
  return syncMode === 'full_refresh' || prior.cursor === undefined;
}

/**
 * The stream as one list of the whole organisation: its own path and page size, the parent link
 * dropped, the list's extra query (e.g. oldest first, so records created during the scan come last).
 */
export function orgWideDefinition(def: StreamDefinition): StreamDefinition {
  const { parent, ...rest } = def;
  return { ...rest, query: { ...def.query, ...parent?.orgWide?.query } };
}

/**
 * Runs a flat read of the organisation-wide list (`flat`, given the flat definition and a state to
 * resume from) and turns its states into the child stream's: a scan in progress, then a cursor at
 * the scan's start for the next incremental read (parents changed since then are read again).
 */
export async function* readOrgWide(
  def: StreamDefinition,
  state: StreamState | undefined,
  now: () => number,
  flat: (def: StreamDefinition, state: StreamState) => AsyncGenerator<SourceMessage>
): AsyncGenerator<SourceMessage> {
  const prior = (state ?? {}) as OrgWideState;
  const scan: OrgWideScan = prior.org_scan ?? { started_at: formatTimestamp(now()) };
  const resume = { scan: { started_at: scan.started_at, ...(scan.after ? { after: scan.after } : {}) } };
  for await (const msg of flat(orgWideDefinition(def), resume as StreamState)) {
    if (msg.type !== 'state') {
      yield msg;
      continue;
    }
    const flatScan = (msg.state as { scan?: { after?: string } }).scan;
    const next: OrgWideState = flatScan
      ? { org_scan: { started_at: scan.started_at, ...(flatScan.after ? { after: flatScan.after } : {}) } }
      : { cursor: scan.started_at };
    yield { type: 'state', stream: def.name, state: next as StreamState };
  }
}
