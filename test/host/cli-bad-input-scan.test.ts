// Issue 13's bullets: every CLI command with the bad inputs of the adversarial trial (paths that do
// not exist or collide, garbled stores, null configs, malformed Redis URLs, garbage state, broken
// templates, hostile input lines, keys and hosts). Each case names its exit code and what the message
// must say; one test runs them all and scans stdout and stderr for "internal error" and stack-trace
// shapes. Before, these ended in "internal error: …", a raw `Unhandled 'error' event` trace, or exit 0.
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../simulator/src';
import { expectNoCrash } from '../helpers/no-crash';
import { FAST_HTTP_ENV, jsonLines, makeTempDir, removeTempDir, runCli, type CliResult } from '../helpers/cli';

const KEY = `inc_scan_${'a11ce'.repeat(10)}`;

let sim: Simulator;
let tmp: string;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    incidents: 40,
    seed: 31,
    bucket: false,
    keys: [{ key: KEY, name: 'Scan', roles: ['viewer', 'incident_creator'] }],
  });
  tmp = makeTempDir('incident-io-scan-');
});
afterAll(async () => {
  await sim?.close();
  removeTempDir(tmp);
});

const at = (...parts: string[]) => path.join(tmp, ...parts);
const write = (rel: string, content: string | Buffer) => {
  fs.mkdirSync(path.dirname(at(rel)), { recursive: true });
  fs.writeFileSync(at(rel), content);
  return at(rel);
};

interface Case {
  name: string;
  args: string[];
  code: number;
  /** What stderr must say (the option and the path, the entry, the stream…). */
  says?: RegExp;
  env?: Record<string, string | undefined>;
  input?: string;
  /** A store (credentials.json) to put in this case's home first. */
  store?: unknown;
  /** Checks of the output beyond the message. */
  check?: (r: CliResult) => void;
}

/** A saved credential's store file, to garble (made once, in beforeAll of the scan). */
let goodStore: { credentials: Array<Record<string, unknown>> } & Record<string, unknown>;

/** `read --stream incidents [--limit 5]` resuming from a state file holding `content`. */
const readWithState = (name: string, content: string, limit = true) => [
  'read',
  '--stream',
  'incidents',
  ...(limit ? ['--limit', '5'] : []),
  '--state-file',
  write(name, content),
];

function cases(): Case[] {
  const entry = goodStore.credentials[0];
  const garbled = (secret: unknown) => ({ ...goodStore, credentials: [{ ...entry, secret }] });
  const secret = entry.secret as Record<string, string>;
  const line = JSON.stringify({ name: 'Scan record', mode: 'test' });
  return [
    // Paths, checked before any request.
    {
      name: 'dead letter in a missing directory',
      args: ['write', '--action', 'create_incident', '--dead-letter', '/nonexistent/x.jsonl'],
      input: `${line}\n`,
      code: 2,
      says: /--dead-letter: \/nonexistent\/x\.jsonl: the directory \/nonexistent does not exist/,
    },
    {
      name: 'dead letter is a directory',
      args: ['write', '--action', 'create_incident', '--dead-letter', tmp],
      input: `${line}\n`,
      code: 2,
      says: /--dead-letter: .* is a directory; name a file/,
    },
    {
      name: 'missing input',
      args: ['write', '--action', 'create_incident', '--input', '/nonexistent.jsonl'],
      code: 2,
      says: /--input: \/nonexistent\.jsonl does not exist/,
    },
    {
      name: 'input is a directory',
      args: ['write', '--action', 'create_incident', '--input', tmp],
      code: 2,
      says: /--input: .* is a directory, not a file/,
    },
    {
      name: 'state file in a missing directory',
      args: ['read', '--stream', 'incidents', '--state-file', '/nonexistent/dir/s.json'],
      code: 2,
      says: /--state-file: \/nonexistent\/dir\/s\.json: the directory \/nonexistent\/dir does not exist/,
      check: (r) => expect(r.stdout).toBe(''),
    },
    {
      name: 'output dir is a file',
      args: ['read', '--stream', 'incidents', '--output-dir', write('a-file.txt', 'x')],
      code: 2,
      says: /--output-dir: .*a-file\.txt exists and is not a directory/,
    },
    {
      name: 'state file is a records file of the output dir',
      args: [
        'read',
        '--stream',
        'incidents',
        '--output-dir',
        at('od'),
        '--state-file',
        at('od', 'incidents.jsonl'),
      ],
      code: 2,
      says: /--state-file: .* is one of the files --output-dir/,
    },
    {
      name: 'missing config',
      args: ['read', '--stream', 'incidents', '--config', '/nonexistent.json'],
      code: 2,
      says: /--config: \/nonexistent\.json does not exist/,
    },
    // Configs that are not objects.
    {
      name: 'destination config null',
      args: ['write', '--action', 'create_incident', '--config', write('null.json', 'null')],
      input: `${line}\n`,
      code: 2,
      says: /null\.json: must hold one JSON object/,
    },
    {
      name: 'source config null',
      args: ['read', '--stream', 'incidents', '--config', at('null.json')],
      code: 2,
      says: /null\.json: must hold one JSON object/,
    },
    {
      name: 'source config a list',
      args: ['read', '--stream', 'incidents', '--config', write('list.json', '[]')],
      code: 2,
      says: /list\.json: must hold one JSON object/,
    },
    {
      name: 'template cut short',
      args: [
        'write',
        '--action',
        'create_incident',
        '--config',
        write('tpl.json', JSON.stringify({ mapping: { name: '{{ t }} {{' } })),
      ],
      input: `${line}\n`,
      code: 2,
      says: /\/mapping\/name: has "\{\{" without a closing "\}\}"/,
    },
    // The credential store.
    {
      name: 'store with a null entry (list)',
      args: ['credentials', 'list'],
      store: { version: 1, credentials: [null] },
      code: 2,
      says: /\/credentials\/0: must be object/,
    },
    {
      name: 'store with a null entry (use)',
      args: ['--credential', 'scan', 'check'],
      store: { version: 1, credentials: [null] },
      code: 2,
      says: /\/credentials\/0: must be object/,
    },
    {
      name: 'store of strings',
      args: ['credentials', 'list'],
      store: { version: 1, credentials: ['canary'] },
      code: 2,
      says: /\/credentials\/0: must be object/,
      check: (r) => expect(r.stdout).toBe(''),
    },
    {
      name: 'store entry without a secret',
      args: ['--credential', 'scan', 'check'],
      store: garbled(null),
      code: 2,
      says: /\/credentials\/0\/secret: must be object \(the entry of "scan"\)/,
    },
    {
      name: 'store entry with garbled data',
      args: ['--credential', 'scan', 'check'],
      store: garbled({ ...secret, data: '@@@' }),
      code: 2,
      says: /\/credentials\/0\/secret\/data: .*"scan"/,
    },
    {
      name: 'store entry without an iv',
      args: ['--credential', 'scan', 'check'],
      store: garbled({ ...secret, iv: undefined }),
      code: 2,
      says: /\/credentials\/0\/secret\/iv: is required/,
    },
    {
      name: 'test of an unknown credential',
      args: ['credentials', 'test', 'nope'],
      code: 2,
      says: /no credential named "nope"/,
    },
    // Redis URLs.
    {
      name: 'Redis password with bad %-encoding',
      args: ['check'],
      env: { INCIDENT_IO_CONNECTOR_REDIS_URL: 'redis://:pw%zz@127.0.0.1:1' },
      code: 2,
      says: /INCIDENT_IO_CONNECTOR_REDIS_URL: it has a user name or password that is not valid %-encoding/,
    },
    {
      name: 'Redis URL without a host',
      args: ['check'],
      env: { INCIDENT_IO_CONNECTOR_REDIS_URL: 'redis:PW' },
      code: 2,
      says: /INCIDENT_IO_CONNECTOR_REDIS_URL: it must name a host/,
      check: (r) => expect(r.stderr).not.toContain('PW'),
    },
    {
      name: 'Redis db that is not a number',
      args: ['check'],
      env: { INCIDENT_IO_CONNECTOR_REDIS_URL: 'redis://127.0.0.1:1/db' },
      code: 2,
      says: /database number/,
    },
    // Per-stream state.
    {
      name: 'state of a stream is a string',
      args: readWithState('st1.json', '{"streams":{"incidents":"abc"}}'),
      code: 0,
      says: /\[warn\] incidents: the saved state is not usable \(it is a string, not an object\)/,
    },
    {
      name: 'state of a stream is a number',
      args: readWithState('st2.json', '{"streams":{"incidents":42}}'),
      code: 0,
      says: /\[warn\] incidents: the saved state is not usable \(it is a number/,
    },
    {
      name: 'cursor that is not a date',
      args: readWithState('st3.json', '{"streams":{"incidents":{"cursor":"last tuesday"}}}'),
      code: 0,
      says: /\[warn\] incidents: the saved state is not usable \(its cursor is not a time\)/,
      check: (r) => expect(jsonLines(r.stdout).filter((m) => m.type === 'record')).toHaveLength(5),
    },
    {
      name: 'cursor in the future',
      args: readWithState('st4.json', '{"streams":{"incidents":{"cursor":"2999-01-01T00:00:00Z"}}}', false),
      code: 2,
      says: /\/incidents\/cursor: is 2999-01-01T00:00:00Z, in the future/,
    },
    {
      name: 'state file of another kind',
      args: readWithState('st5.json', 'null', false),
      code: 2,
      says: /st5\.json: is not a state file/,
    },
    // Cosmetics: no "0 pages" when --limit stops a read inside its first page.
    {
      name: 'limit inside the first page',
      args: ['read', '--stream', 'incidents', '--limit', '7'],
      code: 0,
      says: /incidents: complete — 7 records \(stopped at --limit\)/,
      check: (r) => expect(r.stderr).not.toMatch(/in 0 pages/),
    },
    // Hostile input lines, keys, hosts.
    {
      name: 'hostile lines',
      args: ['write', '--action', 'create_incident', '--dry-run'],
      input: [
        `{"name":"d","x":${'['.repeat(6000)}${']'.repeat(6000)}}`,
        '{"name":"n","x":1e999}',
        '{"name":"\u00ff"}',
        '\u0000\u0001',
        '[1,2]',
        '"str"',
        line,
      ].join('\n'),
      code: 1,
    },
    {
      name: 'key with a quote and a backslash',
      args: ['check'],
      env: { INCIDENT_IO_API_KEY: 'inc_abcdefgh\\zz"qq' },
      code: 2,
      says: /\/api_key: may hold only/,
    },
    {
      name: 'host off allowedHosts',
      args: ['discover'],
      env: { INCIDENT_IO_BASE_URL: 'https://evil.example.com' },
      code: 2,
      says: /--allow-host evil\.example\.com/,
    },
    // And the commands with good input, for contrast.
    { name: 'spec', args: ['spec'], code: 0 },
    { name: 'discover', args: ['discover'], code: 0 },
    { name: 'check', args: ['check'], code: 0 },
  ];
}

beforeAll(async () => {
  const home = at('good-home');
  const r = await runCli(['credentials', 'add', '--name', 'scan'], {
    env: {
      ...FAST_HTTP_ENV,
      INCIDENT_IO_CONNECTOR_HOME: home,
      INCIDENT_IO_API_KEY: KEY,
      INCIDENT_IO_BASE_URL: sim.url,
    },
  });
  expect(r.code).toBe(0);
  goodStore = JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8'));
});

// In five parts, each with its own time budget: every case is a child process, and a loaded machine
// starts them slowly.
const PARTS = 5;

test.each(Array.from({ length: PARTS }, (_, i) => i + 1))(
  'every command with the bad inputs of issue 13 (part %i of 5): the right exit code, a clear message, never an internal error or a stack trace',
  async (part) => {
    const all = cases().filter((_, i) => i % PARTS === part - 1);
    expect(all.length).toBeGreaterThan(0);
    const failures: string[] = [];
    // A few at a time: each is a child process.
    for (let i = 0; i < all.length; i += 4) {
      await Promise.all(
        all.slice(i, i + 4).map(async (c, k) => {
          const home = at(`home-${part}-${i + k}`);
          fs.mkdirSync(home, { recursive: true, mode: 0o700 });
          if (c.store !== undefined)
            fs.writeFileSync(path.join(home, 'credentials.json'), JSON.stringify(c.store));
          if (c.store !== undefined)
            fs.copyFileSync(path.join(at('good-home'), 'master.key'), path.join(home, 'master.key'));
          const r = await runCli(c.args, {
            env: {
              ...FAST_HTTP_ENV,
              INCIDENT_IO_CONNECTOR_HOME: home,
              INCIDENT_IO_API_KEY: KEY,
              INCIDENT_IO_BASE_URL: sim.url,
              INCIDENT_IO_CONNECTOR_DEBUG: undefined,
              ...(c.args[0] === '--credential'
                ? { INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: undefined }
                : {}),
              ...c.env,
            },
            input: c.input,
          });
          try {
            expectNoCrash(c.name, r);
            expect({ case: c.name, code: r.code }).toEqual({ case: c.name, code: c.code });
            if (c.says)
              expect({ case: c.name, stderr: r.stderr }).toEqual({
                case: c.name,
                stderr: expect.stringMatching(c.says),
              });
            c.check?.(r);
          } catch (e) {
            failures.push(`${c.name}: ${(e as Error).message}`);
          }
        })
      );
    }
    expect(failures).toEqual([]);
  }
);
