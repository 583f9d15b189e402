// Partitioned backfills of the four streams that take created_at windows (incidents, alerts,
// escalations, workflow runs) against a simulator that applies the live API's rules: no request sends
// [gte] and [lte] together, incidents and escalations match by whole days, and a full sync returns
// exactly the seeded set, including records created at 00:00:00.000 and 23:59:59.999 UTC on the
// partitions' edges. A scan planned by an older version (whole-second bounds) resumes without loss.
import plugin, { LimiterRegistry, SourceMessage, StreamState } from '../../src';
import { IncidentIoClient } from '../../src/http/client';
import { validateSourceConfig } from '../../src/source/config';
import { readPartitioned, type TimePartition } from '../../src/source/partitioned-read';
import { findStream } from '../../src/source/streams';
import { startSimulator, type ResourceName, type Simulator } from '../../simulator/src';

const STREAMS = ['incidents', 'alerts', 'escalations', 'workflow_runs'] as const;
/** A fixed "now" after the seeded data (which ends on 2026-06-01): both reads plan the same partitions. */
const NOW = Date.parse('2026-06-10T12:00:00Z');
const PARTITIONS = 4;

let sim: Simulator;
let limiters: LimiterRegistry;
let client: IncidentIoClient;

beforeAll(async () => {
  // Latency with jitter: pages of different partitions come back out of order, as they do live.
  sim = await startSimulator({
    incidents: 900,
    seed: 8,
    size: 'small',
    bucket: false,
    latencyMs: { min: 0, max: 6 },
  });
  limiters = new LimiterRegistry();
  client = new IncidentIoClient(plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url }), {
    limiters,
  });
});
afterAll(async () => {
  client.close();
  await limiters.close();
  await sim.close();
});

/** The ids a complete read of `stream` must return: every seeded record (cancelled runs are never listed). */
function seededIds(stream: (typeof STREAMS)[number]): string[] {
  const db = sim.resources();
  if (stream === 'incidents') {
    return Array.from({ length: sim.incidentCount() }, (_, i) => db.incidents.id(i));
  }
  return db
    .get(stream)!
    .all()
    .filter((r) => r.cancelled_at === undefined)
    .map((r) => r.id);
}

async function partitionedRead(stream: string, state?: StreamState) {
  const def = findStream(stream)!;
  const run = readPartitioned(def, client, {
    syncMode: 'full_refresh',
    // Small pages: the plan always takes PARTITIONS partitions, however the records move.
    config: validateSourceConfig({ page_sizes: { [stream]: 5 } }),
    state,
    partitions: PARTITIONS,
    workers: 3,
    now: () => NOW,
  });
  const records: Array<Record<string, unknown>> = [];
  const states: StreamState[] = [];
  for await (const m of run as AsyncIterable<SourceMessage>) {
    if (m.type === 'record') records.push(m.data);
    if (m.type === 'state') states.push(m.state);
  }
  const planned = states.find((st) => (st.scan as { parts?: unknown } | undefined)?.parts);
  const parts = (planned!.scan as { parts: TimePartition[] }).parts.map(({ from, to }) => ({ from, to }));
  return { ids: records.map((r) => String(r.id)), parts };
}

describe('partitioned backfills under the live API rules', () => {
  test.each(STREAMS)(
    '%s: exactly the seeded set, with records at 00:00:00.000 and 23:59:59.999 on every edge',
    async (stream) => {
      sim.resetStats();
      const first = await partitionedRead(stream);
      expect(first.parts).toHaveLength(PARTITIONS);
      // Every partition starts on a UTC day boundary.
      for (const p of first.parts) expect(p.from).toMatch(/T00:00:00Z$/);
      const edges = first.parts.flatMap((p) =>
        p.to ? [new Date(Date.parse(p.to) - 1).toISOString(), new Date(Date.parse(p.to)).toISOString()] : []
      );
      expect(edges.filter((t) => /T23:59:59\.999Z$/.test(t))).toHaveLength(PARTITIONS - 1);
      expect(edges.filter((t) => /T00:00:00\.000Z$/.test(t))).toHaveLength(PARTITIONS - 1);
      const placed = sim.placeAt(stream as ResourceName, edges);

      const second = await partitionedRead(stream);
      expect(second.parts).toEqual(first.parts);
      expect(new Set(second.ids).size).toBe(second.ids.length);
      expect([...second.ids].sort()).toEqual([...seededIds(stream)].sort());
      for (const id of placed) expect(second.ids).toContain(id);
      expect(sim.stats().liveRuleViolations).toEqual([]);
      expect(sim.stats().invalidRequests).toEqual([]);
    }
  );

  test.each(['incidents', 'escalations'] as const)(
    '%s: a scan planned by an older version on whole seconds resumes without a record lost or repeated',
    async (stream) => {
      sim.resetStats();
      const all = (await partitionedRead(stream)).ids;
      const created = new Map<string, number>();
      const db = sim.resources();
      if (stream === 'incidents') {
        for (let i = 0; i < sim.incidentCount(); i++)
          created.set(db.incidents.id(i), db.incidents.createdUs(i) / 1000);
      } else {
        for (const r of db.escalations.all()) created.set(r.id, Date.parse(String(r.created_at)));
      }
      // Oldest first, as the old planner saw them; bounds in the middle of days, on whole seconds.
      const byTime = [...created.entries()].sort((a, b) => a[1] - b[1]);
      const sec = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      const a = sec(byTime[0][1]);
      const b = sec(byTime[Math.floor(byTime.length / 3)][1] + 3_600_000);
      const c = sec(byTime[Math.floor((2 * byTime.length) / 3)][1] + 7_200_000);
      const inFirst = byTime.filter(([, t]) => t >= Date.parse(a) && t < Date.parse(b));
      const inSecond = byTime.filter(([, t]) => t >= Date.parse(b) && t < Date.parse(c));
      // The first partition stopped after 7 records in the API's order (incidents oldest first,
      // escalations newest first); the second was done.
      const order = stream === 'incidents' ? inFirst : [...inFirst].reverse();
      const emitted = [...order.slice(0, 7), ...inSecond].map(([id]) => id);
      const state = {
        scan: {
          started_at: new Date(NOW).toISOString(),
          parts: [{ from: a, to: b, after: order[6][0] }, { from: b, to: c, done: true }, { from: c }],
        },
      } as unknown as StreamState;
      const resumed = await partitionedRead(stream, state);
      expect(resumed.ids.filter((id) => emitted.includes(id))).toEqual([]);
      expect(new Set(resumed.ids).size).toBe(resumed.ids.length);
      expect([...resumed.ids, ...emitted].sort()).toEqual([...all].sort());
      expect(sim.stats().liveRuleViolations).toEqual([]);
    }
  );
});
