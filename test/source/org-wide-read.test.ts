// Child streams with an organisation-wide list (post-mortem documents, incident alerts): a backfill
// reads that list, resumes it from any state it emitted, and ends with a cursor from which an
// incremental read asks only for the incidents changed since. Against the bundled simulator.
import plugin from '../../src/index';
import type { SourceMessage, StreamState } from '../../src/contract';
import { LimiterRegistry } from '../../src/http/limiter';
import { startSimulator, type Simulator } from '../../simulator/src';

let sim: Simulator;
let limiters: LimiterRegistry;

beforeAll(async () => {
  sim = await startSimulator({ incidents: 60, seed: 2, size: 'small', bucket: false });
  limiters = new LimiterRegistry();
});
afterAll(async () => {
  await limiters.close();
  await sim.close();
});

function source() {
  const credential = plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
  return plugin.createSource(credential, { page_sizes: { incident_alerts: 3 } }, { limiters });
}

async function read(state?: StreamState, limit?: number) {
  const records: Array<Record<string, unknown>> = [];
  const states: StreamState[] = [];
  const messages = source().read({
    streams: [{ name: 'incident_alerts', syncMode: 'incremental' }],
    ...(state ? { state: { incident_alerts: state } } : {}),
    ...(limit ? { limit } : {}),
  });
  for await (const m of messages as AsyncIterable<SourceMessage>) {
    if (m.type === 'record') records.push(m.data);
    if (m.type === 'state') states.push(m.state);
  }
  return { records, states };
}

test('a backfill reads the list once for the organisation, resumes from its states, ends with a cursor', async () => {
  const expected = sim.expectedCount('incident_alerts');
  expect(expected).toBeGreaterThan(6);
  sim.resetStats();
  const first = await read(undefined, 4);
  // Stopped after 4 records: the last state saved is after the first full page (3 records).
  const saved = first.states.at(-1)!;
  expect(saved).toMatchObject({ org_scan: { started_at: expect.any(String), after: expect.any(String) } });
  const rest = await read(saved);
  const ids = [...first.records.slice(0, 3), ...rest.records].map((r) => r.id);
  expect(new Set(ids).size).toBe(expected);
  expect(ids).toHaveLength(expected);
  // Only the organisation-wide list was asked for: no incident list, no request per incident.
  const routes = Object.keys(sim.stats().byRoute);
  expect(routes).toEqual(['GET /v2/incident_alerts']);
  const done = rest.states.at(-1)! as { cursor?: string; org_scan?: unknown };
  expect(done.cursor).toBe((saved as { org_scan: { started_at: string } }).org_scan.started_at);
  expect(done.org_scan).toBeUndefined();

  // With that cursor, an incremental read asks per incident changed since: none here.
  sim.resetStats();
  const next = await read(done as StreamState);
  expect(next.records).toHaveLength(0);
  expect(sim.stats().byRoute['GET /v2/incident_alerts']).toBeUndefined();
  expect(sim.stats().byRoute['GET /v2/incidents']).toBeGreaterThan(0);
});
