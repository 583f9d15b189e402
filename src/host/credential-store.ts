// The reference runtime's credential store: name, description, base URL and probe identity in clear,
// the API key (and a webhook signing secret) encrypted with AES-256-GCM under a master key kept in a
// 0600 file beside the store.
// Every clear field of an entry is bound to its key as associated data, so an entry edited in the
// file (another base URL: the key would be sent there) is refused, not used. The file is checked
// against schemas/credential-store.schema.json, a master key or directory that other users can read
// is refused (as ssh refuses an unprotected private key), writes are atomic and serialised with a
// lock file (taken over at once when its process is gone), so two `credentials add` both survive.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Credential, Identity } from '../contract';
import { ConfigError, ConnectorError } from '../errors';
import { canonicalJson } from '../util/hash';
import { toProblems, validatorFor } from '../validation';
import { isAlive, writeFileAtomic } from './atomic-file';

export interface StoredCredentialInfo {
  name: string;
  description: string;
  base_url: string;
  created_at: string;
  identity?: Pick<Identity, 'name' | 'roles' | 'teamRoles' | 'dashboardUrl'>;
}

type Encrypted = { alg: 'aes-256-gcm'; aad?: 'entry-v2'; iv: string; tag: string; data: string };

interface StoredCredential extends StoredCredentialInfo {
  /** `aad: 'entry-v2'`: every field above is authenticated; absent (version 1): only the name. */
  secret: Encrypted;
  /** The webhook signing secret, encrypted as the key is (its associated data names the field). */
  webhook_secret?: Encrypted;
}

/** Bound to the webhook secret's ciphertext, so that it cannot be swapped with the key's. */
const WEBHOOK_LABEL = 'webhook_secret';

interface StoreFile {
  version: 1 | 2;
  master_key_id?: string;
  /** The credential commands use when given none (and INCIDENT_IO_API_KEY is not set). */
  default?: string;
  credentials: StoredCredential[];
}

const AAD_VERSION = 'entry-v2';

/** The associated data of an entry: every stored field but the secret, in a fixed form. */
function associatedData(entry: StoredCredentialInfo): Buffer {
  const { name, description, base_url, created_at, identity } = entry;
  return Buffer.from(
    canonicalJson([AAD_VERSION, { name, description, base_url, created_at, identity: identity ?? null }]),
    'utf8'
  );
}

/** The associated data of a secret other than the key: the entry's, then the field's name. */
function withLabel(aad: Buffer, label: string | undefined): Buffer {
  return label ? Buffer.concat([aad, Buffer.from(`\0${label}`, 'utf8')]) : aad;
}

/** Names the master key without revealing it, so a wrong master.key and an edited entry are told apart. */
function masterKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('incident-io-connector master key id').digest('hex').slice(0, 16);
}

/** Group or other permission bits on a path (POSIX only). */
function openTo(file: string): number {
  if (process.platform === 'win32') return 0;
  return fs.statSync(file).mode & 0o077;
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
    return this.read().credentials.map(({ secret: _secret, webhook_secret: _w, ...info }) => info);
  }

  has(name: string): boolean {
    return this.read().credentials.some((c) => c.name === name);
  }

  /** The name of the default credential, if one is set. */
  defaultName(): string | undefined {
    return this.read().default;
  }

  /** Makes `name` the default credential (it must exist). */
  async setDefault(name: string): Promise<void> {
    await this.withLock(() => {
      const store = this.read();
      this.entryOf(store, name, 'NAME');
      store.default = name;
      this.write(store);
    });
  }

  /** The decrypted credential; a clear error when the name is unknown or the master key is wrong. */
  get(name: string): Credential {
    const entry = this.entryOf(this.read(), name, '--credential');
    if (entry.secret.aad !== AAD_VERSION) {
      throw new ConnectorError(
        'config',
        `the credential "${name}" was saved by an older version of this store, which did not protect its base URL, ` +
          `description and dates against changes: it is not used. Run \`credentials remove ${name}\` and add it again`
      );
    }
    const store = this.read();
    const webhook = entry.webhook_secret ? this.decrypt(entry, store, WEBHOOK_LABEL) : undefined;
    return {
      api_key: this.decrypt(entry, store),
      base_url: entry.base_url,
      ...(webhook !== undefined ? { webhook_secret: webhook } : {}),
    };
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
      const key = this.masterKey(store.credentials.length === 0);
      if (store.master_key_id !== undefined && store.master_key_id !== masterKeyId(key)) {
        throw this.wrongMasterKey();
      }
      if (store.master_key_id === undefined && store.credentials.length > 0)
        this.decrypt(store.credentials[0], store);
      const clear: StoredCredentialInfo = {
        ...info,
        base_url: credential.base_url,
        created_at: new Date().toISOString(),
      };
      const entry = this.entryFor(clear, credential, key);
      store.credentials.push(entry);
      store.version = 2;
      store.master_key_id = masterKeyId(key);
      this.write(store);
      const { secret: _secret, webhook_secret: _w, ...out } = entry;
      return out;
    });
  }

  /**
   * Gives the saved credential `info.name` a new key (and the description, base URL and identity in
   * `info`), in one atomic write: the old entry stays until the new one is on disk. Its created_at
   * and its place as the default stay.
   */
  async replace(
    info: Omit<StoredCredentialInfo, 'created_at'>,
    credential: Credential
  ): Promise<StoredCredentialInfo> {
    return this.withLock(() => {
      const store = this.read();
      const old = this.entryOf(store, info.name, 'NAME');
      const key = this.masterKey(false);
      if (store.master_key_id !== undefined && store.master_key_id !== masterKeyId(key)) {
        throw this.wrongMasterKey();
      }
      const clear: StoredCredentialInfo = {
        ...info,
        base_url: credential.base_url,
        created_at: old.created_at,
      };
      const entry = this.entryFor(clear, credential, key);
      store.credentials = store.credentials.map((c) => (c === old ? entry : c));
      store.version = 2;
      store.master_key_id = masterKeyId(key);
      this.write(store);
      const { secret: _secret, webhook_secret: _w, ...out } = entry;
      return out;
    });
  }

  async remove(name: string): Promise<boolean> {
    return this.withLock(() => {
      const store = this.read();
      const before = store.credentials.length;
      store.credentials = store.credentials.filter((c) => c.name !== name);
      if (store.credentials.length === before) return false;
      if (store.default === name) delete store.default;
      this.write(store);
      return true;
    });
  }

  /** The entry named `name`, or a config error on `field` naming the saved ones. */
  private entryOf(store: StoreFile, name: string, field: string): StoredCredential {
    const entry = store.credentials.find((c) => c.name === name);
    if (entry) return entry;
    const known = store.credentials.map((c) => c.name);
    throw new ConfigError('the credential name', [
      {
        field,
        reason: `no credential named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      },
    ]);
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
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConnectorError(
        'config',
        `the credential store ${this.file} is corrupted (not JSON) and was left untouched; restore it from a backup or move it away and add the credentials again`
      );
    }
    const validate = validatorFor('schemas/credential-store.schema.json');
    if (!validate(parsed)) {
      // Each bad entry by its position, and by its name when it has one.
      const entries = (parsed as { credentials?: unknown })?.credentials;
      const problems = toProblems(validate.errors).map((p) => {
        const i = /^\/credentials\/(\d+)/.exec(p.field)?.[1];
        const named =
          i !== undefined && Array.isArray(entries) ? (entries[Number(i)] as { name?: unknown }) : undefined;
        return typeof named?.name === 'string'
          ? { ...p, reason: `${p.reason} (the entry of "${named.name}")` }
          : p;
      });
      throw new ConfigError(
        `the credential store ${this.file} (left untouched: fix or remove the entries named, or restore it from a backup)`,
        problems
      );
    }
    return parsed as StoreFile;
  }

  private write(store: StoreFile): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, `${JSON.stringify(store, null, 2)}\n`, 0o600);
  }

  /**
   * Removes the lock when its owner is gone: a process of this host that no longer exists (a killed
   * `credentials add`), at once; a lock whose owner cannot be told (another host, an unreadable or
   * half-written file), after 30 s. The lock is moved aside before it is removed, and only removed if
   * it is still the one judged stale, so two processes breaking it at once cannot remove a new lock.
   */
  private breakStaleLock(): boolean {
    let st: fs.Stats;
    let content: string;
    try {
      st = fs.statSync(this.lockFile);
      content = fs.readFileSync(this.lockFile, 'utf8');
    } catch {
      return false; // raced with its owner removing it: just try again
    }
    const [pid, host] = content.trim().split(/\s+/);
    const ownerGone = /^\d+$/.test(pid ?? '') && host === os.hostname() && !isAlive(Number(pid));
    if (!ownerGone && Date.now() - st.mtimeMs <= 30_000) return false;
    const aside = `${this.lockFile}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
    try {
      fs.renameSync(this.lockFile, aside);
    } catch {
      return false;
    }
    const moved = fs.statSync(aside);
    if (moved.ino !== st.ino || moved.dev !== st.dev) {
      // Another process took the lock in between: put its lock back unless a third one holds it now.
      try {
        fs.linkSync(aside, this.lockFile);
      } catch {
        /* the lock is held again: ours will wait */
      }
    }
    fs.rmSync(aside, { force: true });
    return true;
  }

  /** Refuses a directory or master key that other users can open, as ssh refuses such a private key. */
  private checkPrivate(): void {
    const open: string[] = [];
    for (const [what, file, fix] of [
      ['the directory', this.dir, 700],
      ['the master key', this.keyFile, 600],
    ] as const) {
      let bits = 0;
      try {
        bits = openTo(file);
      } catch {
        continue; // missing: reported (or created) below
      }
      if (bits) open.push(`${what} ${file} is open to other users (chmod ${fix} ${file})`);
    }
    if (open.length) {
      throw new ConnectorError(
        'config',
        `the credential store is not private: ${open.join('; ')}. Anyone who could read the master key may have ` +
          'every saved key: fix the modes, and replace the keys if others could have read them'
      );
    }
  }

  private masterKey(create: boolean): Buffer {
    this.checkPrivate();
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

  private entryFor(clear: StoredCredentialInfo, credential: Credential, key: Buffer): StoredCredential {
    return {
      ...clear,
      secret: this.encrypt(credential.api_key, clear, key),
      ...(credential.webhook_secret
        ? { webhook_secret: this.encrypt(credential.webhook_secret, clear, key, WEBHOOK_LABEL) }
        : {}),
    };
  }

  private encrypt(secret: string, entry: StoredCredentialInfo, key: Buffer, label?: string): Encrypted {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(withLabel(associatedData(entry), label));
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return {
      alg: 'aes-256-gcm',
      aad: AAD_VERSION,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
  }

  private decrypt(entry: StoredCredential, store: StoreFile, label?: string): string {
    const key = this.masterKey(false);
    if (store.master_key_id !== undefined && store.master_key_id !== masterKeyId(key))
      throw this.wrongMasterKey();
    const sealed = (label === WEBHOOK_LABEL ? entry.webhook_secret : entry.secret) ?? entry.secret;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(
        sealed.aad === AAD_VERSION ? withLabel(associatedData(entry), label) : Buffer.from(entry.name, 'utf8')
      );
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString(
        'utf8'
      );
    } catch {
      // The master key is the right one (or, in an old store, cannot be told apart): the entry changed.
      const which =
        store.master_key_id === undefined
          ? `either the master key ${this.keyFile} does not match the store, or the entry was changed after it was saved`
          : 'the entry was changed after it was saved (its key, base URL, name, description, dates or identity)';
      throw new ConnectorError(
        'config',
        `the stored key of "${entry.name}" cannot be decrypted: ${which}. It is not used, so that the key never goes ` +
          `to a URL it was not saved for: run \`credentials remove ${entry.name}\` and add it again`
      );
    }
  }

  private wrongMasterKey(): ConnectorError {
    return new ConnectorError(
      'config',
      `the stored keys cannot be decrypted: the master key ${this.keyFile} does not match the store (restore the master key it was saved with)`
    );
  }

  private async withLock<T>(fn: () => T): Promise<T> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        fs.writeFileSync(this.lockFile, `${process.pid} ${os.hostname()}`, { flag: 'wx', mode: 0o600 });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        if (this.breakStaleLock()) continue;
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
