// Shared by the destination tests: a simulator with keys for every write role, a destination factory,
// and small readers of the simulator's state.
import plugin, { LimiterRegistry, WriteOptions, WriteResult } from '../../src';
import { startSimulator, Simulator, SimulatorOptions } from '../../simulator/src';

/** A key with every role a destination action needs. */
export const WRITER_KEY = 'inc_test_destination_writer_key_0123456789';
export const WRITER_ROLES = [
  'viewer',
  'incident_creator',
  'incident_editor',
  'global_access',
  'catalog_editor',
  'manage_settings',
  'escalation_creator',
  'on_call_editor',
  'schedule_overrides_editor',
  'schedules_editor',
  'status_page_publisher',
];
/** A key that may read but write nothing. */
export const READER_KEY = 'inc_test_destination_reader_key_0123456789';

export function startWriteSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  return startSimulator({
    incidents: 60,
    seed: 11,
    size: 'small',
    bucket: false,
    keys: [
      { key: WRITER_KEY, name: 'Destination writer', roles: WRITER_ROLES },
      { key: READER_KEY, name: 'Read only', roles: ['viewer'] },
    ],
    ...opts,
  });
}

export class Harness {
  limiters = new LimiterRegistry();
  constructor(readonly sim: Simulator) {}

  destination(config: Record<string, unknown>, apiKey = WRITER_KEY) {
    const credential = plugin.validateCredential({ api_key: apiKey, base_url: this.sim.url });
    return plugin.createDestination(credential, config, {
      limiters: this.limiters,
      http: { maxRetries: 2, backoffBaseMs: 5, timeoutMs: 5000 },
    });
  }

  async write(
    config: Record<string, unknown>,
    records: unknown[],
    opts: WriteOptions & { apiKey?: string } = {}
  ): Promise<WriteResult[]> {
    const out: WriteResult[] = [];
    const d = this.destination(config, opts.apiKey);
    try {
      for await (const r of d.write(records, opts)) out.push(r);
    } finally {
      (d as { close?: () => void }).close?.();
    }
    // One result per record, in input order.
    expect(out.map((r) => r.index)).toEqual(records.map((_, i) => i));
    return out;
  }

  /** Requests of one route since the last resetStats(). */
  count(route: string): number {
    return this.sim.stats().byRoute[route] ?? 0;
  }

  async close(): Promise<void> {
    await this.limiters.close();
  }
}

export const statuses = (results: WriteResult[]) => results.map((r) => r.status);
export const outcomes = (results: WriteResult[]) =>
  results.map((r) => (r.status === 'ok' ? r.outcome : r.status));
export const ids = (results: WriteResult[]) => results.map((r) => (r.status === 'ok' ? r.id : undefined));
export const fields = (r: WriteResult) =>
  r.status === 'rejected' ? r.problems.map((p) => p.field).sort() : [];

/** Ids of seeded incidents that have children and were not deleted. */
export function liveIncidentIds(sim: Simulator, mode?: string): string[] {
  const db = sim.resources();
  return db
    .childIncidentIndexes()
    .filter((i) => mode === undefined || db.incidents.attrs(i).mode === mode)
    .map((i) => db.incidents.id(i));
}
