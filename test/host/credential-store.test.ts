// The encrypted credential store of the reference runtime, in process (and, for concurrent adds, through
// the CLI in child processes): round trip, file modes, a wrong or missing master key, a corrupted store
// file left as it was, duplicate names, tampering, and concurrent writers that must all survive.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ConnectorError } from '../../src/errors';
import { CredentialStore } from '../../src/host/credential-store';
import { startSimulator } from '../../simulator/src';
import { FAST_HTTP_ENV, makeTempDir, removeTempDir, runCli } from '../helpers/cli';

let root: string;
let dir: string;

beforeEach(() => {
  root = makeTempDir('incident-io-store-');
  // A directory the store has to create itself, so its mode is the store's doing.
  dir = path.join(root, 'home', 'incident-io-connector');
});
afterEach(() => removeTempDir(root));

const key = () => `inc_test_${randomBytes(16).toString('hex')}`;
const info = (name: string, description = '') => ({ name, description, base_url: 'http://127.0.0.1:1' });
const cred = (api_key: string) => ({ api_key, base_url: 'http://127.0.0.1:1' });
const mode = (file: string) => fs.statSync(file).mode & 0o777;

/** Expects fn to throw a ConnectorError of this failure type whose message matches. */
async function expectConnectorError(
  fn: () => unknown,
  failureType: string,
  message: RegExp
): Promise<ConnectorError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConnectorError);
  const err = caught as ConnectorError;
  expect(err.failureType).toBe(failureType);
  expect(err.message).toMatch(message);
  return err;
}

describe('CredentialStore', () => {
  it('round trips names, descriptions, identities and keys', async () => {
    const store = new CredentialStore(dir);
    expect(store.list()).toEqual([]);
    expect(store.has('prod')).toBe(false);
    const k1 = key();
    const k2 = key();
    const identity = { name: 'Prod key', roles: ['viewer'], teamRoles: [], dashboardUrl: 'https://x' };
    const saved = await store.add({ ...info('prod', 'prod read'), identity }, cred(k1));
    expect(saved).toMatchObject({ name: 'prod', description: 'prod read', identity });
    expect(saved).not.toHaveProperty('secret');
    expect(Date.parse(saved.created_at)).not.toBeNaN();
    await store.add(info('staging'), cred(k2));

    // A new instance reads what the first wrote.
    const again = new CredentialStore(dir);
    expect(again.list().map((c) => c.name)).toEqual(['prod', 'staging']);
    expect(again.list()[0]).toMatchObject({ description: 'prod read', identity });
    expect(JSON.stringify(again.list())).not.toContain(k1);
    expect(again.get('prod')).toEqual(cred(k1));
    expect(again.get('staging')).toEqual(cred(k2));
    expect(again.has('staging')).toBe(true);
    for (const f of fs.readdirSync(dir)) {
      const bytes = fs.readFileSync(path.join(dir, f));
      for (const k of [k1, k2]) {
        expect(bytes.includes(k)).toBe(false);
        expect(bytes.includes(Buffer.from(k).toString('base64').slice(0, 40))).toBe(false);
      }
    }

    expect(await again.remove('prod')).toBe(true);
    expect(await again.remove('prod')).toBe(false);
    expect(again.list().map((c) => c.name)).toEqual(['staging']);
    expect(new CredentialStore(dir).get('staging')).toEqual(cred(k2));
    // No lock or temporary file is left behind.
    expect(fs.readdirSync(dir).sort()).toEqual(['credentials.json', 'master.key']);
  });

  it('an unknown name is a config error naming the known ones', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const err = await expectConnectorError(() => store.get('nope'), 'config', /no credential named "nope"/);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/known: prod/);
  });

  it('writes credentials.json and master.key with mode 0600 in a 0700 directory', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    expect(mode(path.join(dir, 'credentials.json'))).toBe(0o600);
    expect(mode(path.join(dir, 'master.key'))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    // Rewrites keep the mode.
    await store.add(info('staging'), cred(key()));
    await store.remove('prod');
    expect(mode(path.join(dir, 'credentials.json'))).toBe(0o600);
  });

  it('a wrong master key is a clear error and leaves the store file as it was', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const file = path.join(dir, 'credentials.json');
    const before = fs.readFileSync(file);
    fs.writeFileSync(path.join(dir, 'master.key'), randomBytes(32).toString('base64'));

    const fresh = new CredentialStore(dir);
    const err = await expectConnectorError(() => fresh.get('prod'), 'config', /cannot be decrypted/);
    expect(err.message).toMatch(/master\.key/);
    // Adding under the wrong master key would leave a store no single master key can open.
    await expectConnectorError(() => fresh.add(info('staging'), cred(key())), 'config', /master/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    // Listing needs no decryption and still works.
    expect(fresh.list().map((c) => c.name)).toEqual(['prod']);
  });

  it('a missing or unreadable master key is a clear error and is not silently replaced', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const file = path.join(dir, 'credentials.json');
    const keyFile = path.join(dir, 'master.key');
    const before = fs.readFileSync(file);

    fs.writeFileSync(keyFile, 'not a key');
    await expectConnectorError(() => new CredentialStore(dir).get('prod'), 'config', /missing or unreadable/);

    fs.rmSync(keyFile);
    await expectConnectorError(() => new CredentialStore(dir).get('prod'), 'config', /missing or unreadable/);
    await expectConnectorError(
      () => new CredentialStore(dir).add(info('staging'), cred(key())),
      'config',
      /master/
    );
    expect(fs.existsSync(keyFile)).toBe(false);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('a corrupted store file is a clear error and is left byte-identical', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const file = path.join(dir, 'credentials.json');
    for (const corrupt of [
      Buffer.from('{"version": 1, "credentials": [ {"name": "pr'),
      Buffer.from('{"version": 3, "credentials": []}\n'),
      Buffer.from('null'),
      randomBytes(64),
    ]) {
      fs.writeFileSync(file, corrupt);
      const s = new CredentialStore(dir);
      // Not JSON: "corrupted"; JSON of the wrong shape: the schema's findings.
      const said = /credential store .*(corrupted|left untouched)/;
      await expectConnectorError(() => s.list(), 'config', said);
      await expectConnectorError(() => s.get('prod'), 'config', said);
      await expectConnectorError(() => s.add(info('staging'), cred(key())), 'config', said);
      await expectConnectorError(() => s.remove('prod'), 'config', said);
      expect(fs.readFileSync(file).equals(corrupt)).toBe(true);
      expect(fs.existsSync(path.join(dir, 'credentials.lock'))).toBe(false);
    }
  });

  it('refuses a duplicate name and names that are not names', async () => {
    const store = new CredentialStore(dir);
    const k = key();
    await store.add(info('prod'), cred(k));
    await expectConnectorError(() => store.add(info('prod'), cred(key())), 'config', /exists already/);
    expect(store.get('prod')).toEqual(cred(k));
    for (const bad of ['', '-leading-dash', 'has space', 'a/b', '../x', 'x'.repeat(65)]) {
      await expectConnectorError(() => store.add(info(bad), cred(key())), 'config', /--name/);
    }
    expect(store.list().map((c) => c.name)).toEqual(['prod']);
  });

  it('a store file of the wrong shape is refused naming each bad entry, never listed or used (issue 13)', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const file = path.join(dir, 'credentials.json');
    const good = JSON.parse(fs.readFileSync(file, 'utf8'));
    const variants: Array<[unknown, string, RegExp]> = [
      [{ version: 1, credentials: [null] }, '/credentials/0', /must be object/],
      [{ version: 1, credentials: ['canary'] }, '/credentials/0', /must be object/],
      [
        { ...good, credentials: [{ ...good.credentials[0], secret: null }] },
        '/credentials/0/secret',
        /"prod"/,
      ],
      [
        {
          ...good,
          credentials: [{ ...good.credentials[0], secret: { ...good.credentials[0].secret, data: '@@@' } }],
        },
        '/credentials/0/secret/data',
        /"prod"/,
      ],
      [
        {
          ...good,
          credentials: [{ ...good.credentials[0], secret: { ...good.credentials[0].secret, iv: undefined } }],
        },
        '/credentials/0/secret/iv',
        /is required/,
      ],
    ];
    for (const [content, field, reason] of variants) {
      fs.writeFileSync(file, JSON.stringify(content));
      for (const use of [() => new CredentialStore(dir).list(), () => new CredentialStore(dir).get('prod')]) {
        const err = await expectConnectorError(use, 'config', /left untouched/);
        expect(err).toBeInstanceOf(ConfigError);
        const problems = (err as ConfigError).problems;
        expect(problems.map((p) => p.field)).toContain(field);
        expect(problems.find((p) => p.field === field)?.reason).toMatch(reason);
        // Not the wrong diagnosis of a master key that does not match.
        expect(err.message).not.toMatch(/master key/);
      }
    }
  });

  it('binds every stored field to the key: an edited base URL, description or date is refused (issue 13)', async () => {
    const store = new CredentialStore(dir);
    await store.add(
      {
        ...info('prod', 'prod key'),
        identity: { name: 'k', roles: ['viewer'], teamRoles: [], dashboardUrl: 'https://x' },
      },
      cred(key())
    );
    const file = path.join(dir, 'credentials.json');
    const good = fs.readFileSync(file, 'utf8');
    const edits: Array<(e: Record<string, unknown>) => void> = [
      (e) => (e.base_url = 'http://127.0.0.1:2'),
      (e) => (e.description = 'something else'),
      (e) => (e.created_at = '2020-01-01T00:00:00.000Z'),
      (e) => ((e.identity as { roles: string[] }).roles = ['owner']),
    ];
    for (const edit of edits) {
      const content = JSON.parse(good);
      edit(content.credentials[0]);
      fs.writeFileSync(file, JSON.stringify(content));
      const err = await expectConnectorError(
        () => new CredentialStore(dir).get('prod'),
        'config',
        /was changed after it was saved/
      );
      expect(err.message).not.toMatch(/master key .* does not match/);
    }
    // A wrong master key is told apart from an edited entry.
    fs.writeFileSync(file, good);
    fs.writeFileSync(path.join(dir, 'master.key'), randomBytes(32).toString('base64'));
    await expectConnectorError(
      () => new CredentialStore(dir).get('prod'),
      'config',
      /master key .* does not match/
    );
  });

  it('refuses an entry saved by the older store (only its name was authenticated)', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const file = path.join(dir, 'credentials.json');
    const content = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete content.credentials[0].secret.aad;
    delete content.master_key_id;
    content.version = 1;
    fs.writeFileSync(file, JSON.stringify(content));
    await expectConnectorError(
      () => new CredentialStore(dir).get('prod'),
      'config',
      /older version .*credentials remove prod/
    );
    // Listed still: no key is used for that.
    expect(new CredentialStore(dir).list().map((c) => c.name)).toEqual(['prod']);
  });

  it('refuses a master key or store directory that other users can open, as ssh does (issue 13)', async () => {
    const k = key();
    await new CredentialStore(dir).add(info('prod'), cred(k));
    const keyFile = path.join(dir, 'master.key');
    fs.chmodSync(keyFile, 0o644);
    await expectConnectorError(
      () => new CredentialStore(dir).get('prod'),
      'config',
      /master key .*open to other users \(chmod 600/
    );
    fs.chmodSync(keyFile, 0o600);
    fs.chmodSync(dir, 0o777);
    await expectConnectorError(
      () => new CredentialStore(dir).get('prod'),
      'config',
      /directory .*open to other users \(chmod 700/
    );
    await expectConnectorError(
      () => new CredentialStore(dir).add(info('x'), cred(key())),
      'config',
      /not private/
    );
    fs.chmodSync(dir, 0o700);
    expect(new CredentialStore(dir).get('prod')).toEqual(cred(k));
  });

  it('takes over at once a lock whose process is gone (issue 13)', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('first'), cred(key()));
    const lock = path.join(dir, 'credentials.lock');
    // A process of this host that has exited: its PID is free.
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    fs.writeFileSync(lock, `${gone} ${require('node:os').hostname()}`);
    // A fresh lock: before, it was waited for until the 10 s timeout ("locked by another process").
    await store.add(info('second'), cred(key()));
    expect(store.list().map((c) => c.name)).toEqual(['first', 'second']);
    expect(fs.existsSync(lock)).toBe(false);
    // A live owner's lock is waited for.
    fs.writeFileSync(lock, `${process.pid} ${require('node:os').hostname()}`);
    let done = false;
    const adding = store.add(info('third'), cred(key())).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    fs.rmSync(lock);
    await adding;
    expect(store.has('third')).toBe(true);
  });

  it('detects an entry renamed in the file (the name is authenticated with the key)', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('prod'), cred(key()));
    const file = path.join(dir, 'credentials.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"prod"', '"stolen"'));
    await expectConnectorError(() => new CredentialStore(dir).get('stolen'), 'config', /cannot be decrypted/);
  });

  it('concurrent adds in one process all survive', async () => {
    const keys = Array.from({ length: 8 }, key);
    // Separate instances, as separate callers would have.
    await Promise.all(keys.map((k, i) => new CredentialStore(dir).add(info(`c${i}`), cred(k))));
    const store = new CredentialStore(dir);
    expect(
      store
        .list()
        .map((c) => c.name)
        .sort()
    ).toEqual(keys.map((_, i) => `c${i}`).sort());
    keys.forEach((k, i) => expect(store.get(`c${i}`)).toEqual(cred(k)));
    // The same name twice at once: exactly one wins.
    const both = await Promise.allSettled([
      new CredentialStore(dir).add(info('twice'), cred(key())),
      new CredentialStore(dir).add(info('twice'), cred(key())),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('waits for a held lock and breaks a stale one', async () => {
    const store = new CredentialStore(dir);
    await store.add(info('first'), cred(key()));
    const lock = path.join(dir, 'credentials.lock');
    fs.writeFileSync(lock, '99999');
    let done = false;
    const adding = store.add(info('second'), cred(key())).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    fs.rmSync(lock);
    await adding;
    expect(store.has('second')).toBe(true);

    // A lock a crashed process left 31 s ago is broken.
    fs.writeFileSync(lock, '99999');
    const old = new Date(Date.now() - 31_000);
    fs.utimesSync(lock, old, old);
    await store.add(info('third'), cred(key()));
    expect(store.list().map((c) => c.name)).toEqual(['first', 'second', 'third']);
    expect(fs.existsSync(lock)).toBe(false);
  });

  it('concurrent `credentials add` processes all survive', async () => {
    const sim = await startSimulator({ port: 0, incidents: 10, seed: 2 });
    try {
      const names = ['alpha', 'beta', 'gamma', 'delta'];
      const env = {
        ...FAST_HTTP_ENV,
        INCIDENT_IO_CONNECTOR_HOME: dir,
        INCIDENT_IO_API_KEY: sim.apiKey,
        INCIDENT_IO_BASE_URL: sim.url,
      };
      const results = await Promise.all(
        names.map((n) => runCli(['credentials', 'add', '--name', n], { env }))
      );
      expect(results.map((r) => [r.code, r.stderr.includes('saved credential')])).toEqual(
        names.map(() => [0, true])
      );
      const store = new CredentialStore(dir);
      expect(
        store
          .list()
          .map((c) => c.name)
          .sort()
      ).toEqual([...names].sort());
      for (const n of names) expect(store.get(n)).toEqual({ api_key: sim.apiKey, base_url: sim.url });
      expect(fs.readdirSync(dir).sort()).toEqual(['credentials.json', 'master.key']);
    } finally {
      await sim.close();
    }
  });
});
