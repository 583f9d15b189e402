// The incidents stream against the simulator: complete (every mode and status category), a state
// after every page, incremental with lookback, resumable from any emitted state.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import plugin, { LimiterRegistry, SourceMessage, StreamState } from '../../src';
import { loadSchema } from '../../src/validation';
import { startSimulator, Simulator } from '../../simulator/src';

let sim: Simulator;
let limiters: LimiterRegistry;

beforeAll(async () => {
  sim = await startSimulator({ incidents: 1100, seed: 7, bucket: false });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  limiters = new LimiterRegistry();
  sim.clearFaults();
});
afterEach(async () => {
  await limiters.close();
});

// max_partitions 1: these tests follow one flat scan page by page (partitions: source/partitions.test.ts).
function source(config: Record<string, unknown> = {}) {
  const credential = plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
  return plugin.createSource(
    credential,
    { max_partitions: 1, ...config },
    {
      limiters,
      http: { maxRetries: 1, backoffBaseMs: 5, backoffMaxMs: 10 },
    }
  );
}

async function collect(iter: AsyncIterable<SourceMessage>) {
  const messages: SourceMessage[] = [];
  for await (const m of iter) messages.push(m);
  const records = messages
    .filter((m) => m.type === 'record')
    .map((m) => (m as { data: Record<string, unknown> }).data);
  const states = messages.filter((m) => m.type === 'state').map((m) => (m as { state: StreamState }).state);
  const statuses = messages.filter((m) => m.type === 'stream_status');
  return { messages, records, states, statuses };
}

describe('incidents stream', () => {
  it('reads every incident of every mode and status category, each valid against its schema', async () => {
    const { records, states, statuses } = await collect(source().read({ streams: ['incidents'] }));
    expect(records).toHaveLength(sim.incidentCount());
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    expect(new Set(records.map((r) => r.mode))).toEqual(
      new Set(['standard', 'retrospective', 'test', 'tutorial'])
    );
    const categories = new Set(records.map((r) => (r.incident_status as { category: string }).category));
    for (const c of ['declined', 'canceled', 'merged', 'triage', 'live', 'closed'])
      expect(categories).toContain(c);
    // 1100 records in pages of 250: a state after each of the 5 pages.
    expect(states).toHaveLength(5);
    expect(statuses.at(-1)).toMatchObject({ status: 'complete', records: 1100, pages: 5 });
    const ajv = new Ajv2020({ strict: true });
    addFormats(ajv, { mode: 'fast' });
    const validate = ajv.compile(loadSchema('schemas/streams/incidents.json'));
    for (const r of records) expect(validate(r) ? null : validate.errors).toBeNull();
    expect(sim.stats().invalidRequests).toEqual([]);
  });

  it('resumes from every state emitted mid-run without losing a record', async () => {
    const all = await collect(source({ page_sizes: { incidents: 200 } }).read({ streams: ['incidents'] }));
    const ids = new Set(all.records.map((r) => r.id));
    const midStates = all.states.slice(0, -1);
    expect(midStates.length).toBeGreaterThanOrEqual(4);
    for (const [i, state] of midStates.entries()) {
      const before = all.records.slice(0, (i + 1) * 200).map((r) => r.id);
      const resumed = await collect(
        source({ page_sizes: { incidents: 200 } }).read({
          streams: ['incidents'],
          state: { incidents: state },
        })
      );
      const union = new Set([...before, ...resumed.records.map((r) => r.id)]);
      expect(union).toEqual(ids);
      // Nothing before the checkpoint is read again.
      expect(resumed.records.length).toBe(ids.size - before.length);
    }
  });

  it('incremental: returns the changed incidents (plus the lookback overlap) and no others', async () => {
    const first = await collect(source().read({ streams: [{ name: 'incidents', syncMode: 'incremental' }] }));
    const cursorState = first.states.at(-1)!;
    expect(cursorState.cursor).toEqual(expect.any(String));
    expect(cursorState.scan).toBeUndefined();
    const touched = sim.touchIncidents(25);
    const cursorMs = Date.parse(String(cursorState.cursor));
    const second = await collect(
      source({ lookback_minutes: 5 }).read({
        streams: [{ name: 'incidents', syncMode: 'incremental' }],
        state: { incidents: cursorState },
      })
    );
    const got = new Set(second.records.map((r) => r.id));
    for (const id of touched) expect(got).toContain(id);
    // Anything else returned lies within the lookback window before the cursor.
    for (const r of second.records.filter((r) => !touched.includes(String(r.id)))) {
      expect(Date.parse(String(r.updated_at))).toBeGreaterThanOrEqual(cursorMs - 5 * 60_000);
    }
    expect(second.records.length).toBeLessThan(touched.length + 60);
    expect(sim.stats().invalidRequests).toEqual([]);
  });

  it('ends the stream with a clear error when the cursor does not advance, keeping earlier states', async () => {
    sim.addFault({ route: 'GET /v2/incidents', kind: 'repeat_cursor', after: 2, count: Infinity });
    const run = await collect(source({ page_sizes: { incidents: 100 } }).read({ streams: ['incidents'] }));
    const status = run.statuses.at(-1) as { status: string; error?: { message: string } };
    expect(status.status).toBe('incomplete');
    expect(status.error?.message).toMatch(/twice|never end/);
    expect(run.states.length).toBeGreaterThanOrEqual(2);
    expect(run.records.length).toBeGreaterThanOrEqual(200);
  });

  it('sample() returns the first n records', async () => {
    const sample = await source().sample!('incidents', 7);
    expect(sample).toHaveLength(7);
  });

  it('rejects an invalid source config listing every bad field', () => {
    expect(() => source({ streams: ['nope'], lookback_minutes: -1, extra: true })).toThrow(
      expect.objectContaining({
        failureType: 'config',
        problems: expect.arrayContaining([
          expect.objectContaining({ field: '/streams/0' }),
          expect.objectContaining({ field: '/lookback_minutes' }),
          expect.objectContaining({ field: '/extra' }),
        ]),
      })
    );
  });
});
