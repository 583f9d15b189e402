// The secret canary (docs/ARCHITECTURE.md "Secrets"): a recognisable key goes through every CLI command that can
// see it, from the environment, from stdin and from the credential store, on working endpoints, with the
// key revoked mid-read (401) and under INCIDENT_IO_CONNECTOR_DEBUG=1, and in configuration errors. No
// byte of any stdout, stderr, state file, result file or credential store file may carry it, in clear or
// encoded (see setupCanary in helpers/cli.ts). The failing-endpoint half is host/cli-canary-faults.test.ts.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { jsonLines, setupCanary } from '../helpers/cli';

// With latency and jitter: the CLI's concurrent requests come back out of order, as they do live.
const c = setupCanary({ seed: 5, latencyMs: 4, jitter: 0.5 });

describe('the canary key never leaks', () => {
  it('on working endpoints, with the key from the environment', async () => {
    const [check, discover] = await Promise.all([
      c.run(['check', '--action', 'create_incident', '--stream', 'incidents'], { env: c.env() }),
      c.run(['discover'], { env: c.env() }),
    ]);
    expect([check.code, discover.code]).toEqual([0, 0]);
    expect(jsonLines(check.stdout)[0]).toMatchObject({ ok: true, identity: { name: 'Canary key' } });

    const read = await c.run(['-v', ...c.readArgs()], { env: c.env() });
    expect(read.code).toBe(0);
    expect(c.recordCount(read)).toBe(c.sim.incidentCount());

    const results = path.join(c.tmp, 'results.jsonl');
    const write = await c.run(['-v', 'write', '--action', 'create_incident', '--input', c.inputFile()], {
      env: c.env(),
      stdoutFile: results,
    });
    expect(write.code).toBe(1);
    const out = jsonLines(fs.readFileSync(results, 'utf8'));
    expect(out.map((l) => l.status)).toEqual(['ok', 'ok', 'rejected', 'rejected']);
  });

  it('through the credential store: add (env and stdin), list, test, --credential check/read/write', async () => {
    const [fromEnv, piped] = await Promise.all([
      c.run(['credentials', 'add', '--name', 'canary', '--description', 'canary key'], { env: c.env() }),
      c.run(['credentials', 'add', '--name', 'canary-stdin'], {
        env: c.env({ INCIDENT_IO_API_KEY: undefined }),
        input: `${c.key}\n`,
      }),
    ]);
    expect([fromEnv.code, piped.code]).toEqual([0, 0]);

    const [list, test, check, dup] = await Promise.all([
      c.run(['credentials', 'list'], { env: c.storeOnly() }),
      c.run(['credentials', 'test', 'canary-stdin'], { env: c.storeOnly() }),
      c.run(['--credential', 'canary', 'check', '--action', 'create_incident'], { env: c.storeOnly() }),
      c.run(['credentials', 'add', '--name', 'canary'], { env: c.env() }),
    ]);
    expect(
      jsonLines(list.stdout)
        .map((l) => l.name)
        .sort()
    ).toEqual(['canary', 'canary-stdin']);
    expect([test.code, check.code, dup.code]).toEqual([0, 0, 2]);

    const read = await c.run(['--credential', 'canary', '-v', ...c.readArgs()], { env: c.storeOnly() });
    expect(read.code).toBe(0);
    expect(c.recordCount(read)).toBe(c.sim.incidentCount());
    const write = await c.run(
      ['--credential', 'canary-stdin', 'write', '--action', 'create_incident', '--input', c.inputFile()],
      { env: c.storeOnly(), stdoutFile: path.join(c.tmp, 'results.jsonl') }
    );
    expect(write.code).toBe(1);
    expect(jsonLines(write.stdout)).toHaveLength(4);
  });

  it('when the key is revoked mid-read (401), also with INCIDENT_IO_CONNECTOR_DEBUG=1', async () => {
    await c.saveCredential();
    c.sim.addFault({ route: 'GET /v2/incidents', kind: 'revoke_key', after: 1 });
    const read = await c.run(['-v', '--credential', 'canary', ...c.readArgs()], { env: c.storeOnly() });
    expect(read.code).toBe(1);
    const lines = jsonLines(read.stdout);
    expect(lines.at(-1)).toMatchObject({
      type: 'stream_status',
      status: 'incomplete',
      error: { failureType: 'auth' },
    });
    expect(c.sim.stats().byStatus['401']).toBeGreaterThanOrEqual(1);

    // The key stays revoked: every command now fails with the key in hand.
    const debug = c.env({ INCIDENT_IO_CONNECTOR_DEBUG: '1' });
    const [check, test, write, add] = await Promise.all([
      c.run(['-v', 'check'], { env: debug }),
      c.run(['credentials', 'test', 'canary'], { env: c.storeOnly() }),
      c.run(['-v', 'write', '--action', 'create_incident'], { env: debug, input: c.writeInput }),
      c.run(['credentials', 'add', '--name', 'revoked'], { env: debug }),
    ]);
    expect([check.code, test.code, write.code, add.code]).toEqual([1, 1, 1, 1]);
    expect(jsonLines(check.stdout)[0]).toMatchObject({ ok: false, failure: 'invalid_key' });
    // Names cannot be resolved with a revoked key either, so the unknown severity fails rather than
    // being rejected; the line that is not JSON is rejected all the same.
    expect(jsonLines(write.stdout).map((l) => l.status)).toEqual(['failed', 'failed', 'failed', 'rejected']);

    // A state file in a directory that does not exist: once an internal error with a stack under
    // DEBUG, now a config error naming the option and the path, before any request (issue 13).
    c.sim.addKey({ key: c.key, name: 'Canary key', roles: c.roles });
    const missingDir = path.join(c.tmp, 'missing', 'dir', 'state.json');
    const internal = await c.run(['read', '--stream', 'incidents', '--state-file', missingDir], {
      env: debug,
    });
    expect(internal.code).toBe(2);
    expect(internal.stderr).toMatch(
      /--state-file: .*state\.json: the directory .*missing\/dir does not exist/
    );
    expect(internal.stderr).not.toMatch(/internal error|\n\s+at /);

    // The key revoked in the middle of a write.
    c.sim.addFault({ route: 'POST /v2/incidents', kind: 'revoke_key', after: 1 });
    const revokedWrite = await c.run(['write', '--action', 'create_incident'], {
      env: debug,
      input: c.writeInput.replace(/Canary/g, 'Canary revoked'),
    });
    expect(revokedWrite.code).toBe(1);
    expect(jsonLines(revokedWrite.stdout)).toHaveLength(4);
  });

  it('in configuration errors and unreachable hosts', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const nowhere = { INCIDENT_IO_BASE_URL: `http://127.0.0.1:${closedPort}` };
    // The key padded with whitespace (trimmed, so it works), the key with a stray word, the key inside
    // the base URL, a host that refuses connections.
    const [padded, withSpace, inUrl, unreachable, read] = await Promise.all([
      c.run(['check'], { env: c.env({ INCIDENT_IO_API_KEY: `\t${c.key} \n` }) }),
      c.run(['check'], { env: c.env({ INCIDENT_IO_API_KEY: `${c.key} oops` }) }),
      c.run(['check'], {
        env: c.env({ INCIDENT_IO_BASE_URL: `http://user:${c.key}@127.0.0.1:${closedPort}` }),
      }),
      c.run(['check'], { env: c.env(nowhere) }),
      c.run(c.readArgs(), { env: c.env(nowhere) }),
    ]);
    expect([padded.code, withSpace.code, inUrl.code, unreachable.code, read.code]).toEqual([0, 2, 2, 1, 1]);
    expect(jsonLines(unreachable.stdout)[0]).toMatchObject({ ok: false, failure: 'unreachable' });
  });
});
