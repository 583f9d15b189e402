// One ioredis connection per Redis URL per process, shared by every key's limiter in Redis mode and
// released when the last LimiterRegistry that uses it closes. Commands never wait in an offline
// queue: while Redis is away every call fails at once, so the limiter can fall back to limiting this
// process alone instead of stalling (redis-bucket.ts). The URL may carry a password: only
// `describeRedisUrl` (scheme, host, port, db) ever reaches a message.
import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { ConnectorError } from '../errors';
import { REDIS_SCRIPTS, type RedisScriptName } from './redis-scripts';

export interface RedisConnectionOptions {
  url: string;
  /** How long the first use waits for Redis to answer (ms). */
  connectTimeoutMs: number;
  /** A command without an answer after this long counts as Redis lost (ms). */
  commandTimeoutMs: number;
}

/** The ioredis client with our Lua scripts defined on it (ioredis sends EVALSHA, then EVAL on NOSCRIPT). */
export type ScriptedRedis = Redis & {
  [K in RedisScriptName]: (...args: Array<string | number>) => Promise<unknown>;
};

/** `redis://host:port/db` without user or password, for messages. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return '(an unparseable Redis URL)';
  }
}

/** Throws RangeError unless `url` is a redis:// or rediss:// URL. */
export function checkRedisUrl(url: unknown): string {
  if (typeof url !== 'string' || url === '')
    throw new RangeError('redis.url must be a redis:// or rediss:// URL');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError('redis.url must be a redis:// or rediss:// URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new RangeError(`redis.url must be a redis:// or rediss:// URL, not ${u.protocol}//`);
  }
  // "redis:PW" parses as a URL with no host at all.
  if (!u.hostname)
    throw new RangeError('redis.url must name a host: redis://[[user]:password@]host[:port][/db]');
  try {
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
  } catch {
    throw new RangeError(
      'redis.url has a user name or password that is not valid %-encoding (write % as %25)'
    );
  }
  if (!/^\/?(\d{1,5})?\/?$/.test(u.pathname)) {
    throw new RangeError('redis.url must end with a database number (/0, /1, …) or nothing');
  }
  return url;
}

/** Redis refused to use the URL as given (a database that does not exist): no retry or fallback helps. */
export class RedisConfigError extends ConnectorError {
  constructor(where: string, reason: string) {
    super(
      'config',
      `the rate limiter's Redis at ${where} cannot be used as configured (${reason}): fix INCIDENT_IO_CONNECTOR_REDIS_URL`,
      { code: 'redis_config', retryable: false }
    );
  }
}

export class RedisUnavailableError extends ConnectorError {
  constructor(
    where: string,
    readonly reason: string
  ) {
    super(
      'config',
      `the rate limiter's Redis at ${where} cannot be reached (${reason}): start Redis or fix ` +
        'INCIDENT_IO_CONNECTOR_REDIS_URL, or set onUnavailable to "local" ' +
        '(INCIDENT_IO_CONNECTOR_REDIS_ON_UNAVAILABLE=local) to limit this process alone at its local share',
      { code: 'redis_unavailable', retryable: false }
    );
  }
}

/**
 * A shared connection. Emits 'ready' each time Redis (re)connects. `everReady` tells a limiter
 * whether Redis is missing at start (fail or go local, as configured) or lost mid-run (always go
 * local until it is back).
 */
export class SharedRedis extends EventEmitter {
  readonly where: string;
  readonly client: ScriptedRedis;
  everReady = false;
  /** A refusal no reconnect changes (SELECT of a database that does not exist). */
  private fatal?: RedisConfigError;
  private lastError = 'no answer';
  private refs = 0;
  private closed = false;

  private constructor(
    readonly opts: RedisConnectionOptions,
    private readonly onRelease: () => void
  ) {
    super();
    this.setMaxListeners(0);
    this.where = describeRedisUrl(opts.url);
    // Loaded on first use: ioredis takes ~80 ms to load, which a process without Redis never pays.
    const { default: IORedis } = require('ioredis') as typeof import('ioredis');
    const client = new IORedis(opts.url, {
      lazyConnect: false,
      // Fail fast while disconnected, never replay a command after a reconnect: the limiter decides.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: opts.commandTimeoutMs,
      connectTimeout: opts.connectTimeoutMs,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(100 * times, 1000),
      connectionName: 'incident-io-connector-limiter',
    });
    for (const [name, lua] of Object.entries(REDIS_SCRIPTS)) {
      client.defineCommand(name, { lua: lua.source, numberOfKeys: lua.keys });
    }
    // Errors arrive as events too; they must never be unhandled. Keep the reason, without the URL.
    client.on('error', (e: Error & { code?: string }) => {
      this.lastError = e.code ?? e.message.replace(/redis(s)?:\/\/\S*/g, '<redis url>');
      // ioredis only reports a failed SELECT, then goes on in database 0: another tenant's database.
      if (/DB index is out of range|invalid DB index/i.test(e.message)) {
        const db = new URL(opts.url).pathname.replace(/\//g, '');
        this.fatal ??= new RedisConfigError(this.where, `database ${db} does not exist on it: ${e.message}`);
        this.emit('fatal');
      }
    });
    client.on('ready', () => {
      if (this.fatal) return;
      this.everReady = true;
      this.emit('ready');
    });
    this.client = client as ScriptedRedis;
  }

  private static readonly shared = new Map<string, SharedRedis>();

  /** The process's connection for this URL (created on first use); pair with `release()`. */
  static acquire(opts: RedisConnectionOptions): SharedRedis {
    let conn = SharedRedis.shared.get(opts.url);
    if (!conn || conn.closed) {
      const created: SharedRedis = new SharedRedis(opts, () => {
        if (SharedRedis.shared.get(opts.url) === created) SharedRedis.shared.delete(opts.url);
      });
      conn = created;
      SharedRedis.shared.set(opts.url, conn);
    }
    conn.refs++;
    return conn;
  }

  /** Connections open in this process (for tests). */
  static openCount(): number {
    return SharedRedis.shared.size;
  }

  get isReady(): boolean {
    return this.client.status === 'ready' && !this.fatal;
  }

  /**
   * Resolves once Redis answers; rejects with RedisUnavailableError after connectTimeoutMs, or with
   * RedisConfigError when Redis refuses the URL's database.
   */
  whenReady(): Promise<void> {
    if (this.fatal) return Promise.reject(this.fatal);
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off('ready', onReady);
        this.off('fatal', onReady);
        if (this.fatal) reject(this.fatal);
        else if (ok) resolve();
        else reject(new RedisUnavailableError(this.where, this.lastError));
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(this.isReady), this.opts.connectTimeoutMs);
      this.on('ready', onReady);
      this.on('fatal', onReady);
    });
  }

  /** Drops one user; the last one closes the connection (QUIT, or a hard disconnect if Redis is away). */
  async release(): Promise<void> {
    if (--this.refs > 0 || this.closed) return;
    this.closed = true;
    this.onRelease();
    this.removeAllListeners();
    if (this.isReady) {
      await Promise.race([
        this.client.quit().catch(() => undefined),
        new Promise((r) => setTimeout(r, this.opts.commandTimeoutMs).unref()),
      ]);
    }
    this.client.disconnect();
  }
}
