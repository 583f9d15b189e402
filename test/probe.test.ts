// authenticate(): the identity on success, and each of the five failure kinds as a value (never a
// throw), each with a message a person can act on and the request_id where there is one.
import net from 'node:net';
import plugin, { LimiterRegistry, ProbeResult } from '../src';
import { startSimulator, Simulator } from '../simulator/src';

let sim: Simulator;
let limiters: LimiterRegistry;

beforeAll(async () => {
  sim = await startSimulator({ incidents: 10, bucket: false });
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

const probe = (input: unknown, opts = {}, probeTimeoutMs = 10_000): Promise<ProbeResult> =>
  plugin.authenticate(input as never, { limiters, http: { probeTimeoutMs } }, opts);

function failure(r: ProbeResult) {
  if (r.ok) throw new Error('expected a failure');
  return r;
}

describe('authenticate()', () => {
  it('returns the key identity: name, roles, team roles, teams, dashboard URL', async () => {
    const r = await probe({ api_key: sim.apiKey, base_url: sim.url });
    expect(r).toMatchObject({ ok: true, warnings: [] });
    if (!r.ok) return;
    expect(r.identity.name).toEqual(expect.any(String));
    expect(r.identity.roles).toContain('incident_creator');
    expect(Array.isArray(r.identity.teamRoles)).toBe(true);
    expect(Array.isArray(r.identity.teams)).toBe(true);
    expect(r.identity.dashboardUrl).toMatch(/^https:\/\//);
  });

  it('warns when the roles cannot run the configured destination action', async () => {
    const key = 'inc_viewer_only_0123456789abcdef0123456789abcdef';
    sim.addKey({ key, name: 'Read only', roles: ['viewer'] });
    const r = await probe(
      { api_key: key, base_url: sim.url },
      { destination: { action: 'create_incident' } }
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings.join('\n')).toMatch(/create_incident.*incident_creator/);
  });

  it('invalid_key for a key incident.io does not know (401)', async () => {
    const r = failure(await probe({ api_key: 'inc_unknown_key_000000000000', base_url: sim.url }));
    expect(r).toMatchObject({ failure: 'invalid_key', retryable: false });
    expect(r.message).toMatch(/invalid or revoked/);
    expect(r.requestId).toEqual(expect.any(String));
    expect(r.message).not.toContain('inc_unknown_key_000000000000');
  });

  it('forbidden for a 403', async () => {
    sim.addFault({ route: 'GET /v1/identity', kind: 'forbid' });
    const r = failure(await probe({ api_key: sim.apiKey, base_url: sim.url }));
    expect(r).toMatchObject({ failure: 'forbidden', retryable: false });
    expect(r.requestId).toEqual(expect.any(String));
  });

  it.each(['seconds', 'http-date'] as const)(
    'rate_limited with when to retry (Retry-After as %s)',
    async (form) => {
      sim.addFault({ route: 'GET /v1/identity', kind: '429', retryAfter: form, retryAfterSeconds: 3 });
      const r = failure(await probe({ api_key: sim.apiKey, base_url: sim.url }));
      expect(r).toMatchObject({ failure: 'rate_limited', retryable: true });
      expect(r.retryAfterMs).toBeGreaterThan(1000);
      expect(r.retryAfterMs).toBeLessThanOrEqual(4000);
      expect(r.message).toMatch(/try again in \d+ s/);
    }
  );

  it('unreachable when the connection is refused', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const r = failure(await probe({ api_key: sim.apiKey, base_url: `http://127.0.0.1:${port}` }));
    expect(r).toMatchObject({ failure: 'unreachable', retryable: true });
    expect(r.message).toMatch(/refused/);
  });

  it('unreachable when nothing answers within the deadline', async () => {
    sim.addFault({ route: 'GET /v1/identity', kind: 'hang' });
    const started = Date.now();
    const r = failure(await probe({ api_key: sim.apiKey, base_url: sim.url }, {}, 300));
    expect(r).toMatchObject({ failure: 'unreachable', retryable: true });
    expect(r.message).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('config for an invalid credential, listing every bad field, without the key', async () => {
    const r = failure(
      await probe({ api_key: 'has spaces inside', base_url: 'http://example.com', extra: 1 })
    );
    expect(r.failure).toBe('config');
    expect(r.problems?.map((p) => p.field).sort()).toEqual(['/api_key', '/base_url', '/extra']);
    expect(r.message).not.toContain('has spaces inside');
  });

  it('config when the base URL is not the incident.io API', async () => {
    const r = failure(await probe({ api_key: sim.apiKey, base_url: `${sim.url}/not-the-api` }));
    expect(r.failure).toBe('config');
    expect(r.message).toMatch(/base_url/);
  });
});
