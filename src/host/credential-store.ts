// The reference runtime's credential store: name, description and probe identity in clear, the API
// key encrypted with AES-256-GCM under a master key kept in a 0600 file beside the store. Writes are
// atomic and serialised with a lock file, so two `credentials add` at once both survive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Credential, Identity } from '../contract';
import { ConfigError, ConnectorError } from '../errors';
import { writeFileAtomic } from './atomic-file';

export interface StoredCredentialInfo {
  name: string;
  description: string;
  base_url: string;
  created_at: string;
  identity?: Pick<Identity, 'name' | 'roles' | 'teamRoles' | 'dashboardUrl'>;
}

interface StoredCredential extends StoredCredentialInfo {
  secret: { alg: 'aes-256-gcm'; iv: string; tag: string; data: string };
}

interface StoreFile {
  version: 1;
  credentials: StoredCredential[];
}

/** $INCIDENT_IO_CONNECTOR_HOME, else $XDG_CONFIG_HOME/incident-io-connector, else ~/.config/... */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.INCIDENT_IO_CONNECTOR_HOME) return env.INCIDENT_IO_CONNECTOR_HOME;
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'incident-io-connector');
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class CredentialStore {
  readonly file: string;
  private readonly keyFile: string;
  private readonly lockFile: string;

  constructor(readonly dir: string = defaultStoreDir()) {
    this.file = path.join(dir, 'credentials.json');
    this.keyFile = path.join(dir, 'master.key');
    this.lockFile = path.join(dir, 'credentials.lock');
  }

  list(): StoredCredentialInfo[] {
    return this.read().credentials.map(({ secret: _secret, ...info }) => info);
  }

  has(name: string): boolean {
    return this.read().credentials.some((c) => c.name === name);
  }

  /** The decrypted credential; a clear error when the name is unknown or the master key is wrong. */
  get(name: string): Credential {
    const entry = this.read().credentials.find((c) => c.name === name);
    if (!entry) {
      const known = this.list().map((c) => c.name);
      throw new ConfigError('the credential name', [
        {
          field: '--credential',
          reason: `no credential named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        },
      ]);
    }
    return { api_key: this.decrypt(entry), base_url: entry.base_url };
  }

  async add(
    info: Omit<StoredCredentialInfo, 'created_at'>,
    credential: Credential
  ): Promise<StoredCredentialInfo> {
    if (!NAME_PATTERN.test(info.name)) {
      throw new ConfigError('the credential', [
        {
          field: '--name',
          reason:
            'must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit',
        },
      ]);
    }
    return this.withLock(() => {
      const store = this.read();
      if (store.credentials.some((c) => c.name === info.name)) {
        throw new ConfigError('the credential', [
          { field: '--name', reason: `a credential named "${info.name}" exists already; remove it first` },
        ]);
      }
      // Encrypt only under the master key the saved entries use: a wrong or missing master.key would
      // otherwise be replaced or used silently, leaving a store no single master key can open.
      if (store.credentials.length > 0) this.decrypt(store.credentials[0]);
      const entry: StoredCredential = {
        ...info,
        base_url: credential.base_url,
        created_at: new Date().toISOString(),
        secret: this.encrypt(credential.api_key, info.name),
      };
      store.credentials.push(entry);
      this.write(store);
      const { secret: _secret, ...out } = entry;
      return out;
    });
  }

  async remove(name: string): Promise<boolean> {
    return this.withLock(() => {
      const store = this.read();
      const before = store.credentials.length;
      store.credentials = store.credentials.filter((c) => c.name !== name);
      if (store.credentials.length === before) return false;
      this.write(store);
      return true;
    });
  }

  private read(): StoreFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, credentials: [] };
      throw new ConnectorError(
        'config',
        `cannot read the credential store ${this.file}: ${(e as Error).message}`
      );
    }
    try {
      const parsed = JSON.parse(text) as StoreFile;
      if (parsed?.version !== 1 || !Array.isArray(parsed.credentials)) throw new Error('unexpected shape');
      return parsed;
    } catch {
      throw new ConnectorError(
        'config',
        `the credential store ${this.file} is corrupted and was left untouched; restore it from a backup or move it away and add the credentials again`
      );
    }
  }

  private write(store: StoreFile): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, `${JSON.stringify(store, null, 2)}\n`, 0o600);
  }

  private masterKey(create: boolean): Buffer {
    try {
      const key = Buffer.from(fs.readFileSync(this.keyFile, 'utf8').trim(), 'base64');
      if (key.length !== 32) throw new Error('bad length');
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !create) {
        throw new ConnectorError(
          'config',
          `the master key ${this.keyFile} is missing or unreadable, so stored keys cannot be decrypted`
        );
      }
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const key = randomBytes(32);
      // wx: never replace a master key that another process just created.
      try {
        fs.writeFileSync(this.keyFile, key.toString('base64'), { mode: 0o600, flag: 'wx' });
        return key;
      } catch {
        return this.masterKey(false);
      }
    }
  }

  private encrypt(apiKey: string, name: string): StoredCredential['secret'] {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey(true), iv);
    cipher.setAAD(Buffer.from(name, 'utf8'));
    const data = Buffer.concat([cipher.update(apiKey, 'utf8'), cipher.final()]);
    return {
      alg: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  private decrypt(entry: StoredCredential): string {
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.masterKey(false),
        Buffer.from(entry.secret.iv, 'base64')
      );
      decipher.setAAD(Buffer.from(entry.name, 'utf8'));
      decipher.setAuthTag(Buffer.from(entry.secret.tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(entry.secret.data, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch (e) {
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError(
        'config',
        `the stored key of "${entry.name}" cannot be decrypted: the master key ${this.keyFile} does not match the store`
      );
    }
  }

  private async withLock<T>(fn: () => T): Promise<T> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        fs.writeFileSync(this.lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // A lock older than 30 s belongs to a crashed process.
        try {
          if (Date.now() - fs.statSync(this.lockFile).mtimeMs > 30_000)
            fs.rmSync(this.lockFile, { force: true });
        } catch {
          /* raced with its owner removing it */
        }
        if (Date.now() > deadline) {
          throw new ConnectorError(
            'system',
            `the credential store is locked by another process (${this.lockFile})`
          );
        }
        await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
      }
    }
    try {
      return fn();
    } finally {
      fs.rmSync(this.lockFile, { force: true });
    }
  }
}
