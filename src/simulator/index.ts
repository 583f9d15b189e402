// The local incident.io API simulator (DESIGN.md §5). Plugin code never imports it; tests, the CLI and
// the benchmarks start it. See server.ts for the request pipeline and incidents.ts for the data.
import { SimulatorServer, type SimStats, type SimulatorOptions } from './server';
import type { FaultSpec } from './faults';
import type { SimKey } from './keys';

export type { BucketOptions } from './bucket';
export type { FaultKind, FaultSpec } from './faults';
export type { SimKey } from './keys';
export type { SimStats, SimulatorOptions } from './server';

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
    close: () => sim.close(),
  };
}
