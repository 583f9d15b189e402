// A source and a destination built separately with one key share one limiter: run together against a
// simulator whose bucket equals the limiter's, incident.io answers no 429. Different keys are independent.
import plugin, { LimiterRegistry, SourceMessage, WriteResult } from '../../src';
import { processLimiterRegistry } from '../../src/http/limiter';
import { startSimulator, Simulator } from '../../simulator/src';

const BUCKET = { burst: 15, refillPerSecond: 60 };
let sim: Simulator;

beforeEach(async () => {
  // What these tests share is the key's bucket: GET /v2/incidents gets it too, instead of its own
  // 1/20 of it (60/min live), which would make the reads wait on that route alone
  // (test/http/rate-limits-e2e.test.ts and simulator/live-rules.test.ts cover the route's limit).
  sim = await startSimulator({
    incidents: 600,
    seed: 11,
    bucket: BUCKET,
    endpointLimits: { 'GET /v2/incidents': BUCKET },
  });
});
afterEach(async () => {
  await sim.close();
});

async function drainRead(iter: AsyncIterable<SourceMessage>): Promise<number> {
  let n = 0;
  for await (const m of iter) if (m.type === 'record') n++;
  return n;
}

async function drainWrite(iter: AsyncIterable<WriteResult>): Promise<number> {
  let ok = 0;
  for await (const r of iter) if (r.status === 'ok') ok++;
  return ok;
}

/**
 * The limiters take 90% of the simulator's bucket. The simulator shares this process's event loop, so
 * when the loop stalls (parallel workers on 2 CPUs), requests the limiter spaced out arrive together;
 * at 100% a stall of a few ms could show as a 429. Two limiters on one key would still send about
 * twice the bucket's rate.
 */
const SHARE = 0.9;

function build(apiKey: string, limiters?: LimiterRegistry) {
  const credential = plugin.validateCredential({ api_key: apiKey, base_url: sim.url });
  const ctx = { ...(limiters ? { limiters } : {}), rateLimit: { ...BUCKET, share: SHARE } };
  const source = plugin.createSource(credential, { page_sizes: { incidents: 10 } }, ctx);
  const destination = plugin.createDestination(
    credential,
    { action: 'create_incident', concurrency: 8 },
    ctx
  );
  return { source, destination };
}

const records = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i}`, severity: 'Minor', mode: 'test' }));

describe('one limiter per key', () => {
  it('shares one budget between a source and a destination on the same key: 0 responses 429', async () => {
    const limiters = new LimiterRegistry();
    const a = build(sim.apiKey, limiters);
    const b = build(sim.apiKey, limiters);
    expect((a.source as unknown as { limiter: unknown }).limiter).toBe(
      (b.destination as unknown as { limiter: unknown }).limiter
    );
    // ~60 list pages and 60 creates at once: 120 requests for a bucket of 15 + 60/s.
    const [read, written] = await Promise.all([
      drainRead(a.source.read({ streams: ['incidents'] })),
      drainWrite(b.destination.write(records('shared', 60))),
    ]);
    // Incidents created while the scan runs land at its end (oldest first), so some may be read too.
    expect(read).toBeGreaterThanOrEqual(600);
    expect(read).toBeLessThanOrEqual(660);
    expect(written).toBe(60);
    const stats = sim.stats();
    expect(stats.requests).toBeGreaterThanOrEqual(120);
    expect(stats.byStatus['429'] ?? 0).toBe(0);
    await limiters.close();
  });

  it('shares the process registry when the runtime injects none', async () => {
    const a = build(sim.apiKey);
    const b = build(sim.apiKey);
    const limiter = (a.source as unknown as { limiter: unknown }).limiter;
    expect((b.destination as unknown as { limiter: unknown }).limiter).toBe(limiter);
    expect(processLimiterRegistry().forKey(sim.apiKey)).toBe(limiter);
    await Promise.all([
      drainRead(a.source.read({ streams: ['incidents'] })),
      drainWrite(b.destination.write(records('process', 40))),
    ]);
    expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
    await processLimiterRegistry().close();
  });

  it('gives two keys independent limiters that each use their own bucket', async () => {
    const other = 'inc_second_key_00112233445566778899aabbccddeeff';
    sim.addKey({ key: other, name: 'Second', roles: ['viewer', 'incident_creator'] });
    const limiters = new LimiterRegistry();
    const a = build(sim.apiKey, limiters);
    const b = build(other, limiters);
    const la = (a.source as unknown as { limiter: { id: string } }).limiter;
    const lb = (b.source as unknown as { limiter: { id: string } }).limiter;
    expect(la).not.toBe(lb);
    expect(la.id).not.toBe(lb.id);
    expect(limiters.size()).toBe(2);
    const [ra, rb] = await Promise.all([
      drainRead(a.source.read({ streams: ['incidents'] })),
      drainRead(b.source.read({ streams: ['incidents'] })),
    ]);
    expect(ra).toBe(600);
    expect(rb).toBe(600);
    expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
    // Neither key waited for the other: each made its ~60 requests within its own bucket.
    expect((la as unknown as { counters: { requests: number } }).counters.requests).toBeGreaterThanOrEqual(
      60
    );
    expect((lb as unknown as { counters: { requests: number } }).counters.requests).toBeGreaterThanOrEqual(
      60
    );
    await limiters.close();
  });
});
