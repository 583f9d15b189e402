// The CLI for the person typing (issue 16): --version, -v request and rate-limit logs, every
// environment variable in --help, global options in every command's help, unknown names as usage
// errors with a suggestion, a repeated --stream read once, spec on one line, dry-run outcomes, and
// the credential commands (list, update, default). The terminal-only behaviours are in cli-pty.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { jsonLines, ROOT, runCli } from '../helpers/cli';
import { useCliSimulator } from './helpers/cli-sim';

const OTHER_KEY = `inc_other_${'9f8e'.repeat(10)}`;

const h = useCliSimulator({
  incidents: 80,
  seed: 51,
  keys: [{ key: OTHER_KEY, name: 'Other key', roles: ['viewer', 'incident_creator'] }],
});
const env = h.env;
const storeOnly = () => h.keyless();
const requests = () => Object.values(h.sim.stats().byRoute).reduce((a, n) => a + n, 0);

describe('--version and -v', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version'], { env: env() });
    expect(r.code).toBe(0);
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(r.stdout.trim()).toBe(version);
  });

  it('-v logs each request (route, status, ms, request_id) and each limiter wait, never the key', async () => {
    const bad = 'inc_unknown_0123456789abcdef0123';
    const check = await runCli(['-v', 'check'], { env: env({ INCIDENT_IO_API_KEY: bad }) });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/\[debug\] GET \/v1\/identity → 401 in \d+ ms request_id \S+/);
    expect(check.stdout + check.stderr).not.toContain(bad);

    // A bucket of 2 (our share: 1) that refills 40 a second, and pages of 5: the later pages wait.
    const config = path.join(h.home, 'source.json');
    fs.writeFileSync(config, JSON.stringify({ page_sizes: { incidents: 5 }, max_partitions: 1 }));
    const read = await runCli(['-v', 'read', '--stream', 'incidents', '--limit', '30', '--config', config], {
      env: env({ INCIDENT_IO_CONNECTOR_RATE_BURST: '2', INCIDENT_IO_CONNECTOR_RATE_REFILL: '40' }),
    });
    expect(read.code).toBe(0);
    expect(read.stderr).toMatch(/\[debug\] GET \/v2\/incidents → 200 in \d+ ms/);
    expect(read.stderr).toMatch(/\[debug\] GET \/v2\/incidents: waited \d+ ms for the rate limit/);
    expect(read.stdout + read.stderr).not.toContain(h.sim.apiKey);
    // Without -v: none of it.
    const quiet = await runCli(['read', '--stream', 'severities'], { env: env() });
    expect(quiet.stderr).not.toMatch(/\[debug\]/);
  });
});

describe('--help', () => {
  /** Every environment variable the code reads: found in the sources, not from memory. */
  function variablesInSources(): string[] {
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) walk(full);
        else if (/\.tsx?$/.test(e.name)) {
          const text = fs.readFileSync(full, 'utf8');
          const patterns = [
            /\benv\.([A-Z][A-Z0-9_]+)/g, // process.env.X, env.X
            /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g, // env['X']
            /\benvNumber\(['"]([A-Z][A-Z0-9_]+)['"]\)/g, // the session's numeric variables
            /\bconst [A-Z_]+_ENV = ['"]([A-Z][A-Z0-9_]+)['"]/g, // env[SOME_ENV]
          ];
          for (const p of patterns) for (const m of text.matchAll(p)) names.add(m[1]);
        }
      }
    };
    // The simulator may live beside src/ rather than in it.
    for (const dir of ['src', 'simulator'])
      if (fs.existsSync(path.join(ROOT, dir))) walk(path.join(ROOT, dir));
    return [...names].sort();
  }

  it('lists every environment variable the code reads, and the README documents each', async () => {
    const r = await runCli(['--help'], { env: env() });
    expect(r.code).toBe(0);
    const section = r.stdout.slice(r.stdout.indexOf('Environment:'));
    const listed = [...section.matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)].map((m) => m[1]).sort();
    const read = variablesInSources();
    expect(read.length).toBeGreaterThan(10);
    expect(listed).toEqual(read);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(read.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  it("shows the global options in every command's help", async () => {
    for (const command of [
      ['spec'],
      ['check'],
      ['discover'],
      ['read'],
      ['write'],
      ['credentials', 'list'],
      ['simulator'],
    ]) {
      const r = await runCli([...command, '--help'], { env: env() });
      expect({ command, code: r.code }).toEqual({ command, code: 0 });
      const global = r.stdout.slice(Math.max(0, r.stdout.indexOf('Global Options:')));
      const wanted = ['--format <format>', '--credential <name>', '--verbose'];
      expect({ command, global: wanted.filter((o) => global.includes(o)) }).toEqual({
        command,
        global: wanted,
      });
    }
  });
});

describe('names', () => {
  it('an unknown --stream is a usage error naming the closest streams and every valid one; nothing is sent', async () => {
    const r = await runCli(['read', '--stream', 'incidnts'], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"incidnts" is not a stream of this source; did you mean "incidents"\?/);
    expect(r.stderr).toMatch(/Valid: incidents, incident_updates, .*severities/);
    expect(requests()).toBe(0);
  });

  it('check --action and --stream with unknown names fail instead of passing as ok', async () => {
    const action = await runCli(['check', '--action', 'create_incidnt'], { env: env() });
    expect(action.code).toBe(2);
    expect(action.stderr).toMatch(/did you mean "create_incident"/);
    const stream = await runCli(['check', '--stream', 'severity'], { env: env() });
    expect(stream.code).toBe(2);
    expect(stream.stderr).toMatch(/did you mean "severities"/);
    const write = await runCli(['write', '--action', 'upsert_catalog_entry'], { env: env() });
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/did you mean "upsert_catalog_entries"/);
    expect(requests()).toBe(0);
  });

  it('a repeated --stream is read once', async () => {
    const r = await runCli(['read', '--stream', 'severities', '--stream', 'severities'], { env: env() });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.filter((l) => l.type === 'record')).toHaveLength(h.sim.expectedCount('severities'));
    expect(lines.filter((l) => l.type === 'stream_status' && l.status === 'started')).toHaveLength(1);
    expect(r.stderr).toMatch(/from 1 stream\(s\)/);
  });
});

describe('output', () => {
  it('spec prints one JSON line', async () => {
    const r = await runCli(['spec'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toHaveProperty('manifest.id', 'incident_io_api');
  });

  it('a dry run says "dry run: nothing was sent" and its outcomes are would_create / would_update', async () => {
    const [incident] = jsonLines(
      (await runCli(['read', '--stream', 'incidents', '--limit', '1'], { env: env() })).stdout
    ).filter((l) => l.type === 'record') as Array<{ data: { id: string } }>;
    const create = await runCli(['write', '--action', 'create_incident', '--dry-run'], {
      env: env(),
      input: `${JSON.stringify({ name: 'Dry', severity: 'Minor' })}\n`,
    });
    expect(create.code).toBe(0);
    expect(create.stderr).toMatch(/dry run: nothing was sent/);
    const [created] = jsonLines(create.stdout);
    expect(created).toMatchObject({ status: 'ok', outcome: 'would_create', dryRun: true });
    expect(created).not.toHaveProperty('id');

    // dry_run in the destination config is a dry run too, and says so.
    const configFile = path.join(h.home, 'dest.json');
    fs.writeFileSync(configFile, JSON.stringify({ dry_run: true }));
    const update = await runCli(['write', '--action', 'update_incident', '--config', configFile], {
      env: env(),
      input: `${JSON.stringify({ incident_id: incident.data.id, name: 'Renamed' })}\n`,
    });
    expect(update.code).toBe(0);
    expect(update.stderr).toMatch(/dry run: nothing was sent/);
    expect(jsonLines(update.stdout)[0]).toMatchObject({ outcome: 'would_update', id: incident.data.id });
    expect(Object.keys(h.sim.stats().byRoute).filter((route) => !route.startsWith('GET '))).toEqual([]);
  });
});

describe('credentials', () => {
  const add = (name: string, key = h.sim.apiKey) =>
    runCli(['credentials', 'add', '--name', name], { env: env({ INCIDENT_IO_API_KEY: key }) });
  const identity = async (args: string[], e: Record<string, string | undefined>) => {
    const r = await runCli([...args, 'check'], { env: e });
    expect(r.code).toBe(0);
    return (jsonLines(r.stdout)[0] as { identity: { name: string } }).identity.name;
  };

  it('list prints JSON lines when stdout is not a terminal, the default marked', async () => {
    expect((await add('main')).code).toBe(0);
    expect((await add('other', OTHER_KEY)).code).toBe(0);
    expect((await runCli(['credentials', 'default', 'other'], { env: storeOnly() })).code).toBe(0);
    const r = await runCli(['credentials', 'list'], { env: storeOnly() });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l.name, l.default ?? false])).toEqual([
      ['main', false],
      ['other', true],
    ]);
    expect(r.stdout).not.toContain(h.sim.apiKey);
  });

  it('a default credential is used without --credential and INCIDENT_IO_API_KEY; both still win over it', async () => {
    expect((await add('main')).code).toBe(0);
    expect((await add('other', OTHER_KEY)).code).toBe(0);
    const none = await runCli(['check'], { env: storeOnly() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/credentials default NAME/);
    expect((await runCli(['credentials', 'default', 'other'], { env: storeOnly() })).code).toBe(0);
    expect(await identity([], storeOnly())).toBe('Other key');
    expect(await identity(['--credential', 'main'], storeOnly())).toBe('Simulator default key');
    expect(await identity([], env())).toBe('Simulator default key');
    // Removing the default credential leaves no default behind.
    expect((await runCli(['credentials', 'remove', 'other'], { env: storeOnly() })).code).toBe(0);
    expect((await runCli(['check'], { env: storeOnly() })).code).toBe(2);
    const unknown = await runCli(['credentials', 'default', 'nope'], { env: storeOnly() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no credential named "nope" \(known: main\)/);
  });

  it('update probes the new key first: a bad one leaves the old key, a good one replaces it', async () => {
    expect((await add('main')).code).toBe(0);
    const before = jsonLines((await runCli(['credentials', 'list'], { env: storeOnly() })).stdout)[0];
    const bad = 'inc_unknown_0123456789abcdef0123';
    const refused = await runCli(['credentials', 'update', 'main'], {
      env: env({ INCIDENT_IO_API_KEY: bad }),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/keeps its old key/);
    expect(refused.stdout + refused.stderr).not.toContain(bad);
    expect(await identity(['--credential', 'main'], storeOnly())).toBe('Simulator default key');

    const updated = await runCli(['credentials', 'update', 'main', '--description', 'rotated'], {
      env: env({ INCIDENT_IO_API_KEY: OTHER_KEY, INCIDENT_IO_BASE_URL: undefined }),
    });
    expect(updated.code).toBe(0);
    expect(await identity(['--credential', 'main'], storeOnly())).toBe('Other key');
    const after = jsonLines((await runCli(['credentials', 'list'], { env: storeOnly() })).stdout);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      name: 'main',
      description: 'rotated',
      created_at: before.created_at,
      base_url: h.sim.url,
      identity: { name: 'Other key' },
    });
    for (const f of fs.readdirSync(h.home)) {
      const bytes = fs.readFileSync(path.join(h.home, f));
      expect({ f, leak: bytes.includes(OTHER_KEY) }).toEqual({ f, leak: false });
    }
  });
});
