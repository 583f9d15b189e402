// What a read of one stream is told (ReadStreamOptions), and the per-stream settings every reader of
// it derives from the source config: the page size and the re-read window.
import type { StreamState, SyncMode } from '../contract';
import type { SourceConfig } from './config';
import type { StreamDefinition } from './streams/types';

export interface ReadStreamOptions {
  syncMode: SyncMode;
  state?: StreamState;
  config: SourceConfig;
  limit?: number;
  signal?: AbortSignal;
  now?: () => number;
  /** Per-page progress callback (pages so far). */
  onPage?: (pages: number) => void;
  /** Told once how many records a scan from its start will read, when the API gives a total. */
  onTotal?: (records: number) => void;
  /** Parents whose children answered 404 (deleted between the parent read and the child read). */
  onSkippedParent?: (id: string) => void;
  /** Applied to every record before it is emitted (e.g. named custom fields). */
  transform?: (record: Record<string, unknown>) => Record<string, unknown>;
  /** Parents whose children are fetched at once (default 8; a function is asked before each). */
  childConcurrency?: number | (() => number);
  /** Time partitions of a backfill (streams with timePartition); 1 reads flat. */
  partitions?: number;
  /** Pages requested at once across those partitions (a function: sized once latency is known). */
  workers?: number | (() => number);
  /** Response bodies one partitioned stream keeps in flight at most (characters, about bytes). */
  inFlightBytes?: () => number;
}

export function clampPageSize(def: StreamDefinition, requested?: number): number | undefined {
  if (def.pageSize === undefined) return undefined;
  return Math.max(1, Math.min(def.pageSize, requested ?? def.pageSize));
}

/** How far before the cursor an incremental scan starts re-reading. */
export function lookbackMs(def: StreamDefinition, config: SourceConfig): number {
  const minutes = def.lookbackSetting ? config[def.lookbackSetting] : config.lookback_minutes;
  return (minutes ?? 0) * 60_000;
}
