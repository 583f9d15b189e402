// `credentials add|list|test|remove` end to end: the built CLI in child processes against an in-process
// simulator, with a fresh INCIDENT_IO_CONNECTOR_HOME per test so nothing touches ~/.config.
import { startSimulator, Simulator } from '../../simulator/src';
import { FAST_HTTP_ENV, jsonLines, makeTempDir, removeTempDir, runCli } from '../helpers/cli';

let sim: Simulator;
let home: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, incidents: 30, seed: 12 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  home = makeTempDir('incident-io-cli-home-');
});
afterEach(() => {
  removeTempDir(home);
});

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ...FAST_HTTP_ENV,
    INCIDENT_IO_CONNECTOR_HOME: home,
    INCIDENT_IO_API_KEY: sim.apiKey,
    INCIDENT_IO_BASE_URL: sim.url,
    INCIDENT_IO_CONNECTOR_DEBUG: undefined,
    ...extra,
  };
}

const records = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.type === 'record');

describe('credentials', () => {
  it('add, list, test, use with --credential, remove', async () => {
    const add = await runCli(['credentials', 'add', '--name', 'sim', '--description', 'the simulator'], {
      env: env(),
    });
    expect(add.code).toBe(0);
    expect(add.stdout).not.toContain(sim.apiKey);
    expect(jsonLines(add.stdout)[0]).toMatchObject({ saved: { name: 'sim', description: 'the simulator' } });

    // From here on the key is only in the store.
    const noKey = env({ INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: undefined });
    const [list, test, read] = await Promise.all([
      runCli(['credentials', 'list'], { env: noKey }),
      runCli(['credentials', 'test', 'sim'], { env: noKey }),
      runCli(['--credential', 'sim', 'read', '--stream', 'incidents', '--limit', '5'], { env: noKey }),
    ]);
    expect([list.code, test.code, read.code]).toEqual([0, 0, 0]);
    const listed = jsonLines(list.stdout);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      name: 'sim',
      description: 'the simulator',
      base_url: sim.url,
      identity: { name: 'Simulator default key', roles: expect.arrayContaining(['viewer']) },
    });
    expect(listed[0]).not.toHaveProperty('secret');
    expect(list.stdout + list.stderr).not.toContain(sim.apiKey);
    expect(jsonLines(test.stdout)[0]).toMatchObject({ ok: true });
    expect(records(jsonLines(read.stdout))).toHaveLength(5);

    const remove = await runCli(['credentials', 'remove', 'sim'], { env: noKey });
    expect(remove.code).toBe(0);
    const [empty, gone, again] = await Promise.all([
      runCli(['credentials', 'list'], { env: noKey }),
      runCli(['--credential', 'sim', 'check'], { env: noKey }),
      runCli(['credentials', 'remove', 'sim'], { env: noKey }),
    ]);
    expect([empty.code, empty.stdout]).toEqual([0, '']);
    expect(gone.code).toBe(2);
    expect(again.code).toBe(2);
  });

  it('add refuses to save an invalid key', async () => {
    const add = await runCli(['credentials', 'add', '--name', 'bad'], {
      env: env({ INCIDENT_IO_API_KEY: 'inc_not_a_real_key_0123456789' }),
    });
    expect(add.code).toBe(1);
    expect(jsonLines(add.stdout)[0]).toMatchObject({ ok: false, failure: 'invalid_key' });
    expect(add.stderr).toMatch(/not saved/);
    const list = await runCli(['credentials', 'list'], { env: env() });
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('');
  });

  it('add refuses a duplicate name', async () => {
    expect((await runCli(['credentials', 'add', '--name', 'dup'], { env: env() })).code).toBe(0);
    const second = await runCli(['credentials', 'add', '--name', 'dup'], { env: env() });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/exists already/);
  });

  it('add reads the key from stdin when INCIDENT_IO_API_KEY is unset', async () => {
    const noKey = env({ INCIDENT_IO_API_KEY: undefined });
    const add = await runCli(['credentials', 'add', '--name', 'piped'], {
      env: noKey,
      input: `${sim.apiKey}\n`,
    });
    expect(add.code).toBe(0);
    expect(add.stdout + add.stderr).not.toContain(sim.apiKey);
    const check = await runCli(['--credential', 'piped', 'check'], { env: noKey });
    expect(check.code).toBe(0);
    expect(jsonLines(check.stdout)[0]).toMatchObject({ ok: true });
  });

  it('add without a key on stdin is a usage error', async () => {
    const add = await runCli(['credentials', 'add', '--name', 'nokey'], {
      env: env({ INCIDENT_IO_API_KEY: undefined }),
      input: '',
    });
    expect(add.code).toBe(2);
    expect(add.stderr).toMatch(/api_key/);
  });
});
