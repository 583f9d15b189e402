// create_incident against the simulator: valid records land once, names resolve, bad input is rejected
// with its field path before anything is sent, and API refusals come back with their request_id.
import plugin, { LimiterRegistry, WriteResult } from '../../src';
import { startSimulator, Simulator } from '../../simulator/src';

let sim: Simulator;
let limiters: LimiterRegistry;

beforeAll(async () => {
  sim = await startSimulator({ incidents: 50, seed: 3, bucket: false });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  limiters = new LimiterRegistry();
  sim.clearFaults();
  sim.resetStats();
});
afterEach(async () => {
  await limiters.close();
});

function destination(apiKey = sim.apiKey) {
  const credential = plugin.validateCredential({ api_key: apiKey, base_url: sim.url });
  return plugin.createDestination(
    credential,
    { action: 'create_incident' },
    { limiters, http: { maxRetries: 3, backoffBaseMs: 5 } }
  );
}

async function writeAll(records: unknown[], apiKey?: string): Promise<WriteResult[]> {
  const out: WriteResult[] = [];
  for await (const r of destination(apiKey).write(records)) out.push(r);
  return out;
}

const posts = () => sim.stats().byRoute['POST /v2/incidents'] ?? 0;

describe('create_incident', () => {
  it('creates each valid record once, resolving names case-insensitively, results in input order', async () => {
    const before = sim.stats().created.incidents;
    const records = Array.from({ length: 20 }, (_, i) => ({
      name: `Payment errors ${i}`,
      severity: i % 2 ? 'major' : 'Minor',
      status: 'Investigating',
      incident_type: 'Default',
      mode: 'test',
    }));
    const results = await writeAll(records);
    expect(results.map((r) => r.index)).toEqual(records.map((_, i) => i));
    expect(results.every((r) => r.status === 'ok' && r.outcome === 'created')).toBe(true);
    expect(sim.stats().created.incidents - before).toBe(20);
    // The replay creates nothing and says the incidents existed.
    const again = await writeAll(records);
    expect(again.every((r) => r.status === 'ok' && r.outcome === 'existing')).toBe(true);
    expect(again.map((r) => (r as { id: string }).id)).toEqual(results.map((r) => (r as { id: string }).id));
    expect(sim.stats().created.incidents - before).toBe(20);
    expect(sim.stats().invalidRequests).toEqual([]);
  });

  it('uses the record idempotency_key when given', async () => {
    await writeAll([
      { name: 'A', severity: 'Minor', idempotency_key: 'ext-123' },
      { name: 'A changed', severity: 'Minor', idempotency_key: 'ext-123' },
    ]);
    expect(sim.findIncidentsByIdempotencyKey('ext-123')).toBe(1);
  });

  it('rejects invalid records with every bad field named and sends nothing for them', async () => {
    const results = await writeAll([
      { summary: 'no name', visibility: 'secret', colour: 'red' },
      42,
      { name: 'x', severity: 'Apocalyptic' },
      { name: '' },
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    const fields = (r: WriteResult) => (r.status === 'rejected' ? r.problems.map((p) => p.field).sort() : []);
    expect(fields(results[0])).toEqual(['/colour', '/name', '/severity', '/visibility']);
    expect(fields(results[1])).toEqual(['/']);
    expect(fields(results[2])).toEqual(['/severity']);
    expect((results[2] as { message: string }).message).toMatch(/valid names: .*Major/);
    expect(fields(results[3])).toEqual(['/name', '/severity']);
    expect(posts()).toBe(0);
  });

  it('rejects a record without a severity unsent, naming the field (incident.io requires one)', async () => {
    const results = await writeAll([
      { name: 'No severity', status: 'Investigating' },
      { name: 'No severity, test mode', mode: 'test' },
      { name: 'No severity, retrospective', mode: 'retrospective' },
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results)
      expect(r.status === 'rejected' && r.problems.map((p) => p.field)).toEqual(['/severity']);
    expect(posts()).toBe(0);
  });

  it('reports an API refusal as failed with status, code and request_id; in = ok + rejected + failed', async () => {
    sim.addFault({ route: 'POST /v2/incidents', kind: 'forbid', after: 1, count: Infinity });
    const results = await writeAll([
      { name: 'first', severity: 'Minor' },
      { name: 'second', severity: 'Minor' },
      { nope: 1 },
    ]);
    expect(results[0]).toMatchObject({ status: 'ok' });
    expect(results[1]).toMatchObject({ status: 'failed', httpStatus: 403, failureType: 'permission' });
    expect((results[1] as { requestId?: string }).requestId).toEqual(expect.any(String));
    expect((results[1] as { message: string }).message).toMatch(/incident_creator/);
    expect(results[2]).toMatchObject({ status: 'rejected' });
    const counts = { ok: 0, rejected: 0, failed: 0 };
    for (const r of results) counts[r.status]++;
    expect(counts.ok + counts.rejected + counts.failed).toBe(3);
  });

  it('retries a 5xx on the idempotent create without creating twice', async () => {
    sim.addFault({ route: 'POST /v2/incidents', kind: '503', count: 2 });
    const before = sim.stats().created.incidents;
    const results = await writeAll([{ name: 'retry me', severity: 'Minor', idempotency_key: 'retry-1' }]);
    expect(results[0]).toMatchObject({ status: 'ok' });
    expect(sim.stats().created.incidents - before).toBe(1);
  });

  it('rejects an invalid destination config listing the field', () => {
    const credential = plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
    expect(() => plugin.createDestination(credential, { action: 'launch_rocket', extra: 1 })).toThrow(
      expect.objectContaining({
        failureType: 'config',
        problems: expect.arrayContaining([
          expect.objectContaining({ field: '/action' }),
          expect.objectContaining({ field: '/extra' }),
        ]),
      })
    );
  });
});
