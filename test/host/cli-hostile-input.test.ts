// Issue 13, over the CLI: each reproduction of the adversarial trial, as a user would run it against
// the simulator or a hostile local server. Records are never lost or written without a result line,
// the key goes nowhere it should not, and no bad input ends in "internal error" or a stack trace: a
// clear message and the right exit code instead. For every write, in = ok + rejected + failed, and
// the simulator created exactly the incidents reported `created`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../simulator/src';
import { loadPlugin } from '../../src/host/loader';
import { PACKAGE_ROOT } from '../../src/validation';
import { ALLOWED_HOSTS_ENV } from '../../src/host/allowed-hosts';
import {
  CLI,
  FAST_HTTP_ENV,
  jsonLines,
  makeTempDir,
  removeTempDir,
  runCli,
  type CliResult,
} from '../helpers/cli';
import { startServer, type LocalServer } from '../helpers/local-server';
import { expectNoCrash } from '../helpers/no-crash';

const KEY = `inc_hostile_${'5eed'.repeat(12)}`;

let sim: Simulator;
let tmp: string;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    incidents: 120,
    seed: 13,
    bucket: false,
    keys: [{ key: KEY, name: 'Hostile trial', roles: ['viewer', 'incident_creator', 'incident_editor'] }],
  });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  tmp = makeTempDir('incident-io-hostile-');
});
afterEach(() => removeTempDir(tmp));

const env = (extra: Record<string, string | undefined> = {}) => ({
  ...FAST_HTTP_ENV,
  INCIDENT_IO_CONNECTOR_HOME: path.join(tmp, 'home'),
  INCIDENT_IO_API_KEY: KEY,
  INCIDENT_IO_BASE_URL: sim.url,
  INCIDENT_IO_CONNECTOR_DEBUG: undefined,
  ...extra,
});

const file = (name: string, content: string | Buffer) => {
  const f = path.join(tmp, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, content);
  return f;
};

const created = () => sim.stats().created.incidents;

/** `write --action create_incident` with these options, in this test's environment. */
const writeCli = (...opts: string[]) =>
  runCli(['write', '--action', 'create_incident', ...opts], { env: env() });

/**
 * The write invariant: one result line per input record, in = ok + rejected + failed in the summary,
 * and the simulator created exactly the incidents reported "created" (no record sent without its
 * result line).
 */
function expectInvariant(
  r: CliResult,
  records: number,
  createdBefore: number
): Array<Record<string, unknown>> {
  const results = jsonLines(r.stdout);
  expect(results.map((x) => x.index)).toEqual([...Array(records).keys()]);
  const m = /: (\d+) in, (\d+) ok(?: \(([^)]*)\))?, (\d+) rejected, (\d+) failed/.exec(r.stderr);
  expect(m).not.toBeNull();
  const [n, ok, outcomes, rejected, failed] = [
    Number(m![1]),
    Number(m![2]),
    m![3] ?? '',
    Number(m![4]),
    Number(m![5]),
  ];
  expect(n).toBe(records);
  expect(ok + rejected + failed).toBe(n);
  expect(results.filter((x) => x.status === 'ok')).toHaveLength(ok);
  const createdOk = results.filter((x) => x.status === 'ok' && x.outcome === 'created').length;
  expect(Number(/(\d+) created/.exec(outcomes)?.[1] ?? 0)).toBe(createdOk);
  expect(created() - createdBefore).toBe(createdOk);
  return results;
}

const incident = (name: string) =>
  JSON.stringify({ name, mode: 'test', visibility: 'public', severity: 'Minor' });

function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('records lost or written without a result', () => {
  test('1. dead letters fed back into the same file: refused before reading, the file intact', async () => {
    const input = file('dead.jsonl', `${incident('Fed back 1')}\n${incident('Fed back 2')}\n`);
    const before = fs.readFileSync(input);
    const c0 = created();
    const same = await writeCli('--input', input, '--dead-letter', input);
    expectNoCrash('same file', same);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--dead-letter: .*dead\.jsonl is the same file as --input/);
    // Another spelling of the same file (a symbolic link) and the file as stdin are the same file too.
    fs.symlinkSync(input, path.join(tmp, 'link.jsonl'));
    const viaLink = await runCli(
      [
        'write',
        '--action',
        'create_incident',
        '--input',
        input,
        '--dead-letter',
        path.join(tmp, 'link.jsonl'),
      ],
      { env: env() }
    );
    expect(viaLink.code).toBe(2);
    const viaStdin = await runShell(
      `node ${CLI} write --action create_incident --dead-letter ${input} < ${input}`
    );
    expectNoCrash('stdin', viaStdin);
    expect(viaStdin.code).toBe(2);
    expect(viaStdin.stderr).toMatch(/standard input.* is the same file as --dead-letter/);
    expect(fs.readFileSync(input).equals(before)).toBe(true);
    expect(created()).toBe(c0);
  });

  test('2. a mapping key through __proto__ (or constructor/prototype) is a config error naming it', async () => {
    const input = file('in.jsonl', ['P1', 'P2', 'P3'].map(incident).join('\n'));
    const c0 = created();
    for (const mapping of [
      { name: '/name', '/__proto__/idempotency_key': { const: 'same' } },
      { name: '/name', '/constructor/prototype/idempotency_key': { const: 'same' } },
      { name: '/name', summary: '/__proto__/polluted' },
      { name: '{{ constructor.name }}' },
    ]) {
      const config = file('config.json', JSON.stringify({ mapping }));
      const r = await writeCli('--input', input, '--config', config);
      expectNoCrash(JSON.stringify(mapping), r);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/mapping\/.*must not (name|refer to) "(__proto__|constructor)"/);
    }
    expect(created()).toBe(c0);
  });

  test('3. a record nested 5,000 levels is rejected like an oversized one, and the run goes on', async () => {
    const deep = `{"name":"Deep","mode":"test","custom_fields":${deepJson(5000)}}`;
    const input = file(
      'deep.jsonl',
      [incident('Before deep'), deep, incident('After deep')].join('\n') + '\n'
    );
    const dead = path.join(tmp, 'dead.jsonl');
    const c0 = created();
    const r = await writeCli('--input', input, '--dead-letter', dead);
    expectNoCrash('deep', r);
    expect(r.code).toBe(1);
    const results = expectInvariant(r, 3, c0);
    expect(results.map((x) => x.status)).toEqual(['ok', 'rejected', 'ok']);
    expect(JSON.stringify(results[1])).toMatch(/more than 64 levels deep \(max_depth/);
    // The dead letter holds the line as it came in, with the reason last.
    const line = fs.readFileSync(dead, 'utf8');
    expect(line.startsWith(deep.slice(0, -1))).toBe(true);
    expect(JSON.parse(line.slice(deep.length - 1).replace(/^,/, '{'))).toMatchObject({
      _dead_letter: { index: 1, line: 2, status: 'rejected' },
    });
  });

  test('4. a 120 MB line on stdin is rejected while streaming (its string is never built), the run goes on', async () => {
    const c0 = created();
    // A heap far smaller than the line: building it as a string (readline) cannot even start.
    const r = await runWithStdin(
      ['write', '--action', 'create_incident'],
      async function* () {
        yield Buffer.from(`${incident('Before huge')}\n{"name":"Huge","summary":"`);
        const block = Buffer.alloc(1024 * 1024, 'x');
        for (let i = 0; i < 120; i++) yield block;
        yield Buffer.from(`"}\n${incident('After huge')}\n`);
      },
      { ...env(), NODE_OPTIONS: '--max-old-space-size=64' }
    );
    expectNoCrash('huge line', r);
    expect(r.code).toBe(1);
    const results = expectInvariant(r, 3, c0);
    expect(results.map((x) => x.status)).toEqual(['ok', 'rejected', 'ok']);
    expect(String(results[1].message)).toMatch(
      /line 2 is 125829148 bytes long; a record may be at most 1048576 bytes/
    );
  });

  test('5. dead letters are the bytes that came in; invalid UTF-8 and lossy numbers are rejected unsent', async () => {
    const lines = [
      Buffer.from('{"name":"Too big","mode":"test","summary":"n","custom_fields":{"Revenue at risk":1e400}}'),
      Buffer.from(
        '{"name":"Thirty digits","mode":"test","custom_fields":{"Revenue at risk":123456789012345678901234567890}}'
      ),
      Buffer.concat([Buffer.from('{"name":"Not UTF-8 \xff', 'latin1'), Buffer.from('","mode":"test"}')]),
      Buffer.from('{ "name" : "Spaced \\u00e9",  "mode":"test", "severity":"Nope" }'),
      Buffer.from(incident('Fine')),
    ];
    const input = file('lossy.jsonl', Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const dead = path.join(tmp, 'dead.jsonl');
    const c0 = created();
    const r = await writeCli('--input', input, '--dead-letter', dead);
    expectNoCrash('lossy', r);
    const results = expectInvariant(r, 5, c0);
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'ok']);
    expect(results[0].problems).toEqual([
      {
        field: '/custom_fields/Revenue at risk',
        reason: expect.stringMatching(/1e400.*would be sent as null/),
      },
    ]);
    expect(results[1].problems).toEqual([
      {
        field: '/custom_fields/Revenue at risk',
        reason: expect.stringMatching(/123456789012345678901234567890/),
      },
    ]);
    expect(String(results[2].message)).toMatch(/line 3 is not valid UTF-8/);
    // Each dead-letter line starts with its input line's bytes, unchanged (the number, the escape,
    // the spaces, the byte that is not UTF-8), then the reason.
    const out = fs.readFileSync(dead);
    const deadLines: Buffer[] = [];
    for (let at = 0; at < out.length;) {
      const nl = out.indexOf(0x0a, at);
      deadLines.push(out.subarray(at, nl));
      at = nl + 1;
    }
    expect(deadLines).toHaveLength(4);
    deadLines.forEach((d, i) => {
      const original = lines[i];
      const body = original.subarray(0, original.lastIndexOf('}'));
      expect(d.subarray(0, body.length).equals(body)).toBe(true);
      expect(d.subarray(body.length).toString('utf8')).toMatch(
        new RegExp(`^\\s*,"_dead_letter":\\{"index":${i},"line":${i + 1},`)
      );
    });
    // Fed back as they are: the same rejections, nothing sent.
    const again = await runCli(['write', '--action', 'create_incident', '--input', dead], { env: env() });
    expectNoCrash('fed back', again);
    expect(expectInvariant(again, 4, created()).map((x) => x.status)).toEqual(Array(4).fill('rejected'));
  });

  test('6. a state file inside the output directory is refused before any record is written', async () => {
    const od = path.join(tmp, 'od');
    const records = file('od/incidents.jsonl', '{"id":"kept"}\n');
    const before = sim.stats().requests;
    const r = await runCli(['read', '--stream', 'incidents', '--output-dir', od, '--state-file', records], {
      env: env(),
    });
    expectNoCrash('state in output dir', r);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--state-file: .*incidents\.jsonl is one of the files --output-dir .* holds/);
    expect(fs.readFileSync(records, 'utf8')).toBe('{"id":"kept"}\n');
    expect(sim.stats().requests).toBe(before);
  });

  test('7. a record nested 5,000 levels from the server ends the stream incomplete with a reason', async () => {
    const server = await deepServer();
    try {
      const state = path.join(tmp, 'state.json');
      const r = await runCli(['read', '--stream', 'incidents', '--state-file', state], {
        env: env({ INCIDENT_IO_BASE_URL: server.url }),
      });
      expectNoCrash('deep from server', r);
      expect(r.code).toBe(1);
      const out = jsonLines(r.stdout);
      expect(out.filter((m) => m.type === 'record').map((m) => (m.data as { id: string }).id)).toEqual(['A']);
      expect(out.at(-1)).toMatchObject({
        type: 'stream_status',
        status: 'incomplete',
        error: {
          failureType: 'bad_record',
          message: expect.stringMatching(/\(id B\) nested more than 64 levels deep/),
        },
      });
      // No state past the page that holds it: a resume reads it again, and says the same.
      expect(out.some((m) => m.type === 'state')).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe('the key sent where it should not go', () => {
  test('8. an edited base_url in the store is refused: nothing is sent to the new URL', async () => {
    const add = await runCli(['credentials', 'add', '--name', 'prod'], { env: env() });
    expect(add.code).toBe(0);
    const thief = await startServer();
    try {
      const store = path.join(tmp, 'home', 'credentials.json');
      const content = JSON.parse(fs.readFileSync(store, 'utf8'));
      content.credentials[0].base_url = thief.url;
      fs.writeFileSync(store, JSON.stringify(content));
      const r = await runCli(['--credential', 'prod', 'check'], {
        env: env({ INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: undefined }),
      });
      expectNoCrash('edited store', r);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/"prod" cannot be decrypted: the entry was changed after it was saved/);
      expect(thief.count()).toBe(0);
    } finally {
      await thief.close();
    }
  });

  test('9. a base URL off the manifest allowedHosts is refused, naming the option and the variable', async () => {
    for (const args of [
      ['check'],
      ['credentials', 'add', '--name', 'evil', '--base-url', 'https://evil.example.com'],
    ]) {
      const r = await runCli(args, { env: env({ INCIDENT_IO_BASE_URL: 'https://evil.example.com' }) });
      expectNoCrash(args.join(' '), r);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/evil\.example\.com.*allowedHosts \(api\.incident\.io\)/);
      expect(r.stderr).toContain('--allow-host evil.example.com');
      expect(r.stderr).toContain(`${ALLOWED_HOSTS_ENV}=evil.example.com`);
    }
    // loadPlugin holds a runtime to the same rule, and takes the same override (no request is sent here).
    const evil = { api_key: KEY, base_url: 'https://evil.example.com' };
    expect(() => loadPlugin(PACKAGE_ROOT).plugin.createSource(evil, {}, {})).toThrow(/allowedHosts/);
    const probe = await loadPlugin(PACKAGE_ROOT).plugin.authenticate(evil);
    expect(probe).toMatchObject({ ok: false, failure: 'config', retryable: false });
    const allowed = loadPlugin(PACKAGE_ROOT, { allowHosts: ['*.example.com'] }).plugin;
    const source = allowed.createSource(evil, {}, {});
    (source as { close?: () => void }).close?.();
    expect(allowed.validateCredential(evil).base_url).toBe('https://evil.example.com');
  });

  test('10. a key with \\ or " is refused at validation, without echoing it', async () => {
    for (const key of [`inc_${'a'.repeat(20)}\\zz"qq${'b'.repeat(20)}`, `inc_${'c'.repeat(30)}"`]) {
      const r = await runCli(['check'], { env: env({ INCIDENT_IO_API_KEY: key }) });
      expectNoCrash('key chars', r);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/api_key: may hold only letters, digits/);
      expect(r.stderr).not.toContain('a'.repeat(20));
      expect(r.stderr).not.toContain('c'.repeat(30));
    }
  });

  test('10. a server echoing the key back (raw, JSON-escaped, URL-encoded, base64) never gets it printed', async () => {
    const key = `inc_${'9f'.repeat(16)}+/=`;
    const forms = [
      key,
      JSON.stringify(key).slice(1, -1),
      encodeURIComponent(key),
      Buffer.from(key).toString('base64'),
      Buffer.from(`x${key}`).toString('base64'),
      Buffer.from(key).toString('base64url'),
    ];
    const echo = await startServer(() => ({
      status: 400,
      json: {
        type: 'validation_error',
        status: 400,
        request_id: 'r',
        errors: forms.map((f) => ({ code: 'bad', message: `you sent ${f}` })),
      },
    }));
    try {
      const r = await runCli(['write', '--action', 'create_incident'], {
        env: env({ INCIDENT_IO_API_KEY: key, INCIDENT_IO_BASE_URL: echo.url }),
        input: `${incident('Echo')}\n`,
      });
      expectNoCrash('echo', r);
      expect(echo.count()).toBeGreaterThan(0);
      for (const f of forms) {
        expect({ form: f, stdout: r.stdout.includes(f) }).toEqual({ form: f, stdout: false });
        expect({ form: f, stderr: r.stderr.includes(f) }).toEqual({ form: f, stderr: false });
      }
      expect(r.stdout).toContain('[REDACTED]');
    } finally {
      await echo.close();
    }
  });
});

/** A server whose incidents page holds one record nested 5,000 levels deep (B), between two others. */
async function deepServer(): Promise<LocalServer> {
  const record = (id: string, extra = '') =>
    `{"id":"${id}","name":"x","reference":"INC-${id}","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z",` +
    `"mode":"standard","visibility":"public","incident_status":{"id":"s","name":"Live","category":"live","rank":1},` +
    `"custom_field_entries":[],"incident_role_assignments":[],"permalink":"https://x","summary":"s"${extra}}`;
  const page = `{"incidents":[${record('A')},${record('B', `,"deep":${deepJson(5000)}`)},${record('C')}],"pagination_meta":{"page_size":3}}`;
  return startServer((req) =>
    req.path === '/v1/identity'
      ? {
          status: 200,
          json: {
            identity: { name: 'k', roles: ['viewer'], team_roles: [], teams: [], dashboard_url: 'https://x' },
          },
        }
      : { status: 200, body: page, headers: { 'Content-Type': 'application/json' } }
  );
}

function collect(child: ReturnType<typeof spawn>, timeoutMs = 60_000): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const stderrBytes = Buffer.concat(err);
      resolve({
        code: code ?? -1,
        signal,
        stdout: stdoutBytes.toString(),
        stderr: stderrBytes.toString(),
        stdoutBytes,
        stderrBytes,
      });
    });
  });
}

/** The CLI with stdin streamed from chunks (with back-pressure: nothing this big is held in memory). */
async function runWithStdin(
  args: string[],
  chunks: () => AsyncGenerator<Buffer>,
  childEnv: Record<string, string | undefined>
): Promise<CliResult> {
  const e: Record<string, string | undefined> = { ...process.env, ...childEnv };
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  const child = spawn(process.execPath, [CLI, ...args], {
    env: e as NodeJS.ProcessEnv,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const done = collect(child);
  child.stdin!.on('error', () => undefined);
  for await (const chunk of chunks()) {
    if (!child.stdin!.write(chunk)) await new Promise((r) => child.stdin!.once('drain', r));
  }
  child.stdin!.end();
  return done;
}

/** A shell command line (for redirections), with this test's environment. */
function runShell(line: string): Promise<CliResult> {
  const e: Record<string, string | undefined> = { ...process.env, ...env() };
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  return collect(
    spawn('/bin/sh', ['-c', line], {
      env: e as NodeJS.ProcessEnv,
      cwd: tmp,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  );
}
