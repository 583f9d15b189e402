// The local incident.io API simulator (README "What the simulator models"). Plugin code never imports
// it; tests, the CLI and the benchmarks start it. See server.ts for the request pipeline, incidents.ts
// for the incidents and resources/ for every other resource (resources/collection.ts explains how to
// add a write route).
import { SimulatorServer, type SimStats, type SimulatorOptions } from './server';
import type { FaultSpec } from './faults';
import type { SimKey } from './keys';
import type { ExpectedCountOptions, ResourceName, SimDb } from './resources/db';
import type { WebhookSender } from './webhooks';
import type { IncidentStore } from './incidents';

export type { BucketOptions } from './bucket';
export type { FaultKind, FaultSpec } from './faults';
export type { SimKey } from './keys';
export type { SimStats, SimulatorOptions } from './server';
export type { LiveRuleId, LiveRuleViolation } from './live-rules';
export type { Collection, PageResult, Rec } from './resources/collection';
export type { ExpectedCountOptions, ResourceName, SimCounts, SimDb, SimSize } from './resources/db';
export { RESOURCE_NAMES, SIZES } from './resources/db';
export { parseTimeUs } from './query';
export type { WebhookEndpointOptions, WebhookSender, WebhookStats } from './webhooks';
export { newSigningSecret, SVIX_RETRY_SCHEDULE_MS } from './webhooks';

export interface Simulator {
  url: string;
  apiKey: string;
  stats(): SimStats;
  resetStats(): void;
  addKey(k: SimKey): void;
  revokeKey(key: string): void;
  addFault(f: FaultSpec): void;
  clearFaults(): void;
  touchIncidents(count: number): string[];
  incidentCount(): number;
  findIncidentsByIdempotencyKey(key: string): number;
  /** Every resource besides incidents, live: read it, or change it as a write would. */
  resources(): SimDb;
  /**
   * How many records a complete read of a stream returns now (every hidden mode, status category and
   * inactive user included; children of deleted incidents and cancelled workflow runs excluded).
   */
  expectedCount(stream: ResourceName, opts?: ExpectedCountOptions): number;
  /** Sets updated_at to now on `count` records of a resource spread over it; returns their ids. */
  touch(resource: ResourceName, count: number): string[];
  /**
   * Moves records of a resource (incidents, alerts, escalations, workflow runs, ...) so that some were
   * created exactly at each of `times` (e.g. 00:00:00.000 and 23:59:59.999 on partition edges); their
   * ids.
   */
  placeAt(resource: ResourceName, times: string[]): string[];
  /** Incidents the list returns but whose child endpoints answer 404. */
  deletedIncidentIds(): string[];
  /** Webhooks: register an endpoint, make seeded changes, wait until every delivery is done. */
  webhooks: WebhookSender;
  /** The incidents, live: read one as the API renders it, or change it as a write would. */
  incidents: IncidentStore;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorServer(opts);
  const url = await sim.listen(opts.port ?? 0);
  return {
    url,
    apiKey: sim.apiKey,
    stats: () => sim.stats(),
    resetStats: () => sim.resetStats(),
    addKey: (k) => sim.keys.add(k),
    revokeKey: (key) => sim.keys.revoke(key),
    addFault: (f) => sim.faults.add(f),
    clearFaults: () => sim.faults.clear(),
    touchIncidents: (count) => sim.store.touch(count),
    incidentCount: () => sim.store.count(),
    findIncidentsByIdempotencyKey: (key) => sim.store.countByIdempotencyKey(key),
    resources: () => sim.db,
    expectedCount: (stream, o) => sim.db.expectedCount(stream, o),
    touch: (resource, count) => sim.db.touch(resource, count),
    placeAt: (resource, times) => sim.db.placeAt(resource, times),
    deletedIncidentIds: () => [...sim.db.deletedIncidents],
    webhooks: sim.webhooks,
    incidents: sim.store,
    close: () => sim.close(),
  };
}
