// The webhook signing secret is a secret like the key: write-only in the credential schema, stored
// encrypted (bound to its entry and to its field), never in a message, redacted in every form, and
// absent from every byte the CLI prints or writes, from `credentials add` to `read --webhooks`.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import plugin, { ConfigError, ConnectorError } from '../../src';
import { CredentialStore } from '../../src/host/credential-store';
import { Redactor } from '../../src/host/redact';
import { startSimulator, newSigningSecret, type Simulator } from '../../simulator/src';
import { makeTempDir, removeTempDir, runCli } from '../helpers/cli';

let root: string;
beforeEach(() => {
  root = makeTempDir('incident-io-webhook-secret-');
});
afterEach(() => removeTempDir(root));

const key = () => `inc_test_${randomBytes(16).toString('hex')}`;

/** Every file under `dir`, as one string. */
function allFiles(dir: string): string {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

test('the credential schema marks webhook_secret write-only and secret', () => {
  const schema = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../../schemas/credential.schema.json'), 'utf8')
  ) as { properties: Record<string, Record<string, unknown>> };
  expect(schema.properties.webhook_secret).toMatchObject({ writeOnly: true, 'x-secret': true });
});

test('a malformed secret is refused without echoing it', () => {
  const bad = `whsec_${randomBytes(16).toString('base64')} with a space`;
  let err: unknown;
  try {
    plugin.validateCredential({ api_key: key(), webhook_secret: bad });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const text = `${(err as Error).message} ${JSON.stringify(err)}`;
  expect(text).toContain('/webhook_secret');
  expect(text).not.toContain(bad.slice(6, 20));
});

test('the store keeps it encrypted, gives it back, and refuses it swapped with the key', async () => {
  const dir = path.join(root, 'store');
  const store = new CredentialStore(dir);
  const secret = newSigningSecret();
  const apiKey = key();
  await store.add(
    { name: 'hooks', description: '', base_url: 'http://127.0.0.1:1' },
    { api_key: apiKey, base_url: 'http://127.0.0.1:1', webhook_secret: secret }
  );
  const files = allFiles(dir);
  expect(files).not.toContain(secret.slice(6));
  expect(files).not.toContain(apiKey);
  expect(store.get('hooks')).toEqual({
    api_key: apiKey,
    base_url: 'http://127.0.0.1:1',
    webhook_secret: secret,
  });
  expect(JSON.stringify(store.list())).not.toContain('webhook_secret');
  // Each ciphertext is bound to its field: the two swapped in the file are refused, not used.
  const file = path.join(dir, 'credentials.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { credentials: Array<Record<string, unknown>> };
  const entry = json.credentials[0];
  [entry.secret, entry.webhook_secret] = [entry.webhook_secret, entry.secret];
  fs.writeFileSync(file, JSON.stringify(json));
  expect(() => new CredentialStore(dir).get('hooks')).toThrow(ConnectorError);
});

test('the redactor hides the secret whole, its base64 part alone, and their encodings', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 40 }),
      fc.string({ maxLength: 3 }),
      (bytes, prefix) => {
        const secret = `whsec_${Buffer.from(bytes).toString('base64')}`;
        const bare = secret.slice(6);
        const r = new Redactor();
        r.add(secret);
        const message = `${secret} / ${bare} / ${encodeURIComponent(bare)} / ${Buffer.from(prefix + bare).toString('base64')}`;
        const printed = r.redact(JSON.stringify({ message }));
        expect(printed).not.toContain(bare);
        expect(printed).not.toContain(encodeURIComponent(bare));
        expect(printed).not.toContain(Buffer.from(prefix + bare).toString('base64'));
      }
    ),
    { numRuns: 200 }
  );
});

describe('through the CLI', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ incidents: 20, size: 'small' });
  });
  afterAll(async () => {
    await sim.close();
  });

  test('credentials add saves it encrypted; list and test never show it; read --webhooks errors never print it', async () => {
    const secret = newSigningSecret();
    const home = path.join(root, 'home');
    const env = {
      INCIDENT_IO_CONNECTOR_HOME: home,
      INCIDENT_IO_API_KEY: sim.apiKey,
      INCIDENT_IO_BASE_URL: sim.url,
      INCIDENT_IO_WEBHOOK_SECRET: secret,
    };
    const add = await runCli(['credentials', 'add', '--name', 'hooks'], { env });
    expect(add.code).toBe(0);
    const storeOnly = { ...env, INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_WEBHOOK_SECRET: undefined };
    expect(new CredentialStore(home).get('hooks').webhook_secret).toBe(secret);
    const [list, check, noDir] = await Promise.all([
      runCli(['credentials', 'list'], { env: storeOnly }),
      runCli(['credentials', 'test', 'hooks'], { env: storeOnly }),
      // No log folder: a config error, after the stored secret was decrypted.
      runCli(['--credential', 'hooks', 'read', '--webhooks', '--stream', 'incidents'], { env: storeOnly }),
    ]);
    expect([list.code, check.code, noDir.code]).toEqual([0, 0, 2]);
    expect(noDir.stderr).toContain('log_dir');
    const output = [add, list, check, noDir].flatMap((r) => [r.stdout, r.stderr]).join('\n');
    expect(output).not.toContain(secret.slice(6));
    expect(allFiles(home)).not.toContain(secret.slice(6));
  });
});
