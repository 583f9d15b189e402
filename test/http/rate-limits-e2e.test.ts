// The limiter against the simulator's real rate-limit headers: a tighter limit on one endpoint is
// learned and applied to that endpoint only; a limit shared by the whole organisation is respected
// through X-RateLimit-Remaining; the simulator's own headers describe the binding limit.
import plugin, { LimiterRegistry, SourceMessage } from '../../src';
import { startSimulator, Simulator } from '../../simulator/src';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function drain(iter: AsyncIterable<SourceMessage>): Promise<number> {
  let n = 0;
  for await (const m of iter) {
    if (m.type === 'record') n++;
    if (m.type === 'stream_status' && m.status === 'incomplete') throw new Error(m.error?.message);
  }
  return n;
}

describe('rate limits learned from the API', () => {
  it('learns a tighter per-endpoint limit from X-RateLimit-Limit and applies it to that endpoint only', async () => {
    sim = await startSimulator({
      incidents: 200,
      bucket: { burst: 1000, refillPerSecond: 1000 },
      endpointLimits: { 'GET /v2/incidents': { burst: 2, refillPerSecond: 20 } },
    });
    const limiters = new LimiterRegistry();
    const credential = plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
    const source = plugin.createSource(
      credential,
      { max_partitions: 1, page_sizes: { incidents: 10 } },
      { limiters, rateLimit: { burst: 1000, refillPerSecond: 1000, share: 1 } }
    );
    expect(await drain(source.read({ streams: ['incidents'] }))).toBe(200);
    const limiter = limiters.forKey(sim.apiKey);
    // Learned for the list endpoint (at most the first request went before the headers told).
    expect(limiter.counters.learnedLimits['GET /v2/incidents']).toEqual({ burst: 2, refillPerSecond: 20 });
    expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
    // Other endpoints keep the key's own budget: no gate was learned for them.
    await drain(source.read({ streams: ['severities'] }));
    expect(Object.keys(limiter.counters.learnedLimits)).toEqual(['GET /v2/incidents']);
    await limiters.close();
  });

  it('respects an organisation-wide limit shared by two keys through X-RateLimit-Remaining', async () => {
    sim = await startSimulator({
      incidents: 400,
      bucket: { burst: 40, refillPerSecond: 200 },
      orgBucket: { burst: 40, refillPerSecond: 200 },
    });
    const other = 'inc_org_second_key_00112233445566778899aabbccddeeff';
    sim.addKey({ key: other, name: 'Second', roles: ['viewer'] });
    const limiters = new LimiterRegistry();
    const ctx = {
      limiters,
      rateLimit: { burst: 40, refillPerSecond: 200, share: 1 },
      http: { maxRetries: 20 },
    };
    const read = (key: string) =>
      drain(
        plugin
          .createSource(
            plugin.validateCredential({ api_key: key, base_url: sim!.url }),
            { max_partitions: 1, page_sizes: { incidents: 5 } },
            ctx
          )
          .read({ streams: ['incidents'] })
      );
    // Each key alone would be allowed 200/s; together they may only have 200/s.
    const [a, b] = await Promise.all([read(sim.apiKey), read(other)]);
    expect([a, b]).toEqual([400, 400]);
    const la = limiters.forKey(sim.apiKey);
    const lb = limiters.forKey(other);
    expect(la.counters.corrections + lb.counters.corrections).toBeGreaterThan(0);
    // Corrections keep 429s rare: far fewer than the ~80 extra requests the two keys would otherwise send.
    expect(sim.stats().byStatus['429'] ?? 0).toBeLessThan(20);
    await limiters.close();
  });

  it('documents POST /v2/escalations at 60 per minute in its headers', async () => {
    sim = await startSimulator({ incidents: 5 });
    const res = await fetch(`${sim.url}/v2/escalations?page_size=5`, {
      headers: { Authorization: `Bearer ${sim.apiKey}` },
    });
    expect(res.headers.get('x-ratelimit-limit')).toBe('1200, 1200;window=60');
    const post = await fetch(`${sim.url}/v2/escalations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.apiKey}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(post.headers.get('x-ratelimit-limit')).toMatch(/^60, 1200;window=60, 60;window=60$/);
  });
});
