// The secret canary on failing endpoints (the other half of host/canary.test.ts): 500 bursts, 429s with
// Retry-After in both forms, connection resets and 403s, through check, read (with a state file), write
// (with a result file), credentials add and credentials test. With FAST_HTTP_ENV the retries finish
// quickly. Nothing printed or left in a file may carry the key (see setupCanary in helpers/cli.ts).
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator } from '../../simulator/src';
import { jsonLines, setupCanary } from '../helpers/cli';

const c = setupCanary({ seed: 8 });

describe('the canary key never leaks from failing endpoints', () => {
  it('through a 500 burst: retried when short, reported when long', async () => {
    await c.saveCredential();
    c.sim.addFault({ route: 'GET /v2/incidents', kind: '500', count: 2 });
    const short = await c.run(c.readArgs(), { env: c.env() });
    expect(short.code).toBe(0);
    expect(c.recordCount(short)).toBe(c.sim.incidentCount());

    // The first page works, the second never does; the identity probe and the create always fail.
    c.sim.addFault({ route: 'GET /v2/incidents', kind: '500', after: 1, count: 50 });
    c.sim.addFault({ route: 'GET /v1/identity', kind: '500', count: 50 });
    c.sim.addFault({ route: 'POST /v2/incidents', kind: '500', count: 50 });
    const results = path.join(c.tmp, 'results.jsonl');
    const [long, check, test, add, write] = await Promise.all([
      c.run(['--credential', 'canary', ...c.readArgs()], { env: c.storeOnly() }),
      c.run(['check'], { env: c.env() }),
      c.run(['credentials', 'test', 'canary'], { env: c.storeOnly() }),
      c.run(['credentials', 'add', '--name', 'not-saved'], { env: c.env() }),
      c.run(['write', '--action', 'create_incident', '--input', c.inputFile()], {
        env: c.env(),
        stdoutFile: results,
      }),
    ]);
    expect([long.code, check.code, test.code, add.code, write.code]).toEqual([1, 1, 1, 1, 1]);
    expect(jsonLines(long.stdout).at(-1)).toMatchObject({ type: 'stream_status', status: 'incomplete' });
    const out = jsonLines(fs.readFileSync(results, 'utf8'));
    expect(out.map((l) => l.status)).toEqual(['failed', 'failed', 'rejected', 'rejected']);
    expect(out[0]).toMatchObject({ httpStatus: 500 });
    expect(c.sim.stats().byStatus['500']).toBeGreaterThan(10);
  });

  it('through 429s with Retry-After (seconds and HTTP date)', async () => {
    await c.saveCredential();
    c.sim.addFault({ route: 'GET /v2/incidents', kind: '429', count: 1, retryAfter: 'seconds' });
    c.sim.addFault({ route: 'GET /v1/identity', kind: '429', count: 1, retryAfter: 'http-date' });
    c.sim.addFault({ route: 'POST /v2/incidents', kind: '429', count: 1, retryAfter: 'seconds' });
    // The read alone, so that no write changes what it should see.
    const [read, check] = await Promise.all([
      c.run(['--credential', 'canary', ...c.readArgs()], { env: c.storeOnly() }),
      c.run(['check'], { env: c.env() }),
    ]);
    expect(read.code).toBe(0);
    expect(c.recordCount(read)).toBe(c.sim.incidentCount());
    // A probe may report a 429 (rate_limited) rather than wait for it.
    expect([0, 1]).toContain(check.code);
    const write = await c.run(['write', '--action', 'create_incident'], {
      env: c.env(),
      input: c.writeInput,
    });
    expect(write.code).toBe(1);
    expect(jsonLines(write.stdout).map((l) => l.status)).toEqual(['ok', 'ok', 'rejected', 'rejected']);
    expect(c.sim.stats().byStatus['429']).toBe(3);
  });

  it('through connection resets', async () => {
    await c.saveCredential();
    c.sim.addFault({ route: 'GET /v2/incidents', kind: 'reset', count: 1 });
    const ok = await c.run(c.readArgs(), { env: c.env() });
    expect(ok.code).toBe(0);
    expect(c.recordCount(ok)).toBe(c.sim.incidentCount());

    c.sim.addFault({ route: 'GET /v2/incidents', kind: 'reset', count: 50 });
    c.sim.addFault({ route: 'GET /v1/identity', kind: 'reset', count: 50 });
    c.sim.addFault({ route: 'POST /v2/incidents', kind: 'reset', count: 50 });
    const [read, test, write] = await Promise.all([
      c.run(['--credential', 'canary', ...c.readArgs()], { env: c.storeOnly() }),
      c.run(['credentials', 'test', 'canary'], { env: c.storeOnly() }),
      c.run(['write', '--action', 'create_incident'], { env: c.env(), input: c.writeInput }),
    ]);
    expect([read.code, test.code, write.code]).toEqual([1, 1, 1]);
    expect(jsonLines(test.stdout)[0]).toMatchObject({ ok: false, failure: 'unreachable' });
    expect(jsonLines(write.stdout).map((l) => l.status)).toEqual([
      'failed',
      'failed',
      'rejected',
      'rejected',
    ]);
  });

  it('when the key is forbidden (403)', async () => {
    // A forbid fault stays in force for its route, so it gets its own simulator.
    const other = await startSimulator({
      port: 0,
      incidents: 50,
      seed: 6,
      keys: [{ key: c.key, name: 'Canary key', roles: c.roles }],
    });
    try {
      await c.saveCredential('canary', other);
      other.addFault({ route: 'GET /v2/incidents', kind: 'forbid' });
      other.addFault({ route: 'POST /v2/incidents', kind: 'forbid' });
      const results = path.join(c.tmp, 'results.jsonl');
      const [read, write] = await Promise.all([
        c.run(['-v', '--credential', 'canary', ...c.readArgs()], {
          env: { ...c.storeOnly(other), INCIDENT_IO_CONNECTOR_DEBUG: '1' },
        }),
        c.run(['write', '--action', 'create_incident', '--input', c.inputFile()], {
          env: c.env({}, other),
          stdoutFile: results,
        }),
      ]);
      expect([read.code, write.code]).toEqual([1, 1]);
      expect(jsonLines(read.stdout).at(-1)).toMatchObject({
        type: 'stream_status',
        status: 'incomplete',
        error: { failureType: 'permission' },
      });
      const out = jsonLines(fs.readFileSync(results, 'utf8'));
      expect(out.map((l) => l.status)).toEqual(['failed', 'failed', 'rejected', 'rejected']);
      expect(out[0]).toMatchObject({ httpStatus: 403 });

      other.addFault({ route: 'GET /v1/identity', kind: 'forbid' });
      const test = await c.run(['credentials', 'test', 'canary'], { env: c.storeOnly(other) });
      expect(test.code).toBe(1);
      expect(other.stats().byStatus['403']).toBeGreaterThanOrEqual(4);
    } finally {
      await other.close();
    }
  });
});
