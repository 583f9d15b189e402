// What every CLI command shares: the loaded plugin (through its manifest, as a runtime would), the
// credential (from the store or the environment), a redacting logger, and a signal that SIGINT and
// SIGTERM abort so a run can flush its state before it exits.
import fs from 'node:fs';
import type {
  ConnectorContext,
  Credential,
  HttpOptions,
  Logger,
  RateLimitOptions,
  RedisRateLimitOptions,
} from '../contract';
import { ConfigError, type FieldProblem } from '../errors';
import { LimiterRegistry } from '../http/limiter';
import { checkRedisUrl } from '../http/redis-connection';
import { PACKAGE_ROOT } from '../validation';
import { Activity, logActivity } from './activity';
import { CredentialStore } from './credential-store';
import { airbyteLog } from './formats/airbyte';
import type { OutputFormat } from './formats/format';
import { loadPlugin, LoadedPlugin } from './loader';
import { LEVELS, stderrLogger, type Level } from './logger';
import { Redactor } from './redact';

export interface GlobalOptions {
  credential?: string;
  verbose?: boolean;
  quiet?: boolean;
  /** --allow-host: hosts trusted beyond the manifest's allowedHosts. */
  allowHost?: string[];
  /** --format: how messages are printed on stdout (default: native). */
  format?: OutputFormat;
}

export class Session {
  readonly redactor = new Redactor();
  readonly abort = new AbortController();
  readonly limiters: LimiterRegistry;
  readonly loaded: LoadedPlugin;
  /** Every HTTP attempt and limiter wait of this run (for -v and the progress display). */
  readonly activity = new Activity();
  private readonly stopHandlers: Array<() => void> = [];
  /** Where log lines go instead of stderr, when the output format carries them (Airbyte's LOG). */
  private logSink?: (level: Level, message: string) => void;
  interrupted = false;

  constructor(readonly opts: GlobalOptions) {
    this.loaded = loadPlugin(PACKAGE_ROOT, { allowHosts: opts.allowHost });
    // The limiter's own warnings (Redis lost, Redis back) go to the same redacting logger.
    this.limiters = new LimiterRegistry(
      {},
      { logger: this.logger, onCreated: (limiter) => this.activity.follow(limiter) }
    );
    // Airbyte carries log lines as LOG messages on stdout (a command with buffered output re-routes them).
    if (opts.format === 'airbyte') {
      this.logTo((level, message) => process.stdout.write(`${JSON.stringify(airbyteLog(level, message))}\n`));
    }
    if (opts.verbose) logActivity(this.activity, this.logger);
    // Redact the environment's key even before a command decides to use it.
    this.redactor.add(process.env.INCIDENT_IO_API_KEY);
    this.redactor.add(process.env.INCIDENT_IO_WEBHOOK_SECRET);
  }

  get plugin() {
    return this.loaded.plugin;
  }

  get format(): OutputFormat {
    return this.opts.format ?? 'native';
  }

  get logger(): Logger {
    const min: Level = this.opts.verbose ? 'debug' : this.opts.quiet ? 'error' : 'info';
    const stderr = stderrLogger(this.redactor, min);
    // Looked up at each line: a command may send the lines elsewhere after the logger was handed out.
    const log = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
      if (!this.logSink) return stderr[level](message, fields);
      if (LEVELS.indexOf(level) < LEVELS.indexOf(min)) return;
      const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
      this.logSink(level, this.redactor.redact(`${message}${extra}`));
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  /** Sends every log line (of this session's loggers) to `sink` instead of stderr. */
  logTo(sink: (level: Level, message: string) => void): void {
    this.logSink = sink;
  }

  context(extra: Partial<ConnectorContext> = {}): ConnectorContext {
    return {
      logger: this.logger,
      limiters: this.limiters,
      signal: this.abort.signal,
      http: { ...httpOptionsFromEnv(), onResponse: (r) => this.activity.emit('response', r) },
      rateLimit: rateLimitFromEnv(),
      ...extra,
    };
  }

  /**
   * The credential, first found of: --credential NAME (from the store); INCIDENT_IO_API_KEY (with
   * INCIDENT_IO_BASE_URL); the store's default credential (`credentials default NAME`).
   */
  credential(): Credential {
    const key = process.env.INCIDENT_IO_API_KEY;
    const name = this.opts.credential ?? (key ? undefined : new CredentialStore().defaultName());
    if (name) {
      const c = new CredentialStore().get(name);
      this.redactor.add(c.api_key);
      this.redactor.add(c.webhook_secret);
      return this.plugin.validateCredential(c);
    }
    if (!key) {
      throw new ConfigError('the command', [
        {
          field: '--credential',
          reason:
            'is required unless INCIDENT_IO_API_KEY is set in the environment or a default credential is set (`credentials default NAME`)',
        },
      ]);
    }
    const input: Record<string, unknown> = { api_key: key };
    if (process.env.INCIDENT_IO_BASE_URL) input.base_url = process.env.INCIDENT_IO_BASE_URL;
    if (process.env.INCIDENT_IO_WEBHOOK_SECRET) input.webhook_secret = process.env.INCIDENT_IO_WEBHOOK_SECRET;
    return this.plugin.validateCredential(input);
  }

  /**
   * The credential of an ecosystem config file (Airbyte and Singer pass one file: the credential's
   * fields beside the source or destination config) when it holds a key, else credential().
   */
  credentialFrom(fields: Record<string, unknown>): Credential {
    if (fields.api_key === undefined) return this.credential();
    if (typeof fields.api_key === 'string') this.redactor.add(fields.api_key);
    if (typeof fields.webhook_secret === 'string') this.redactor.add(fields.webhook_secret);
    return this.plugin.validateCredential(fields);
  }

  /** Aborts the run on SIGINT/SIGTERM; a second signal exits at once. */
  trapSignals(): void {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      const handler = () => {
        if (this.interrupted) process.exit(130);
        this.interrupted = true;
        process.stderr.write(`\n${sig}: stopping after saving state and results...\n`);
        this.abort.abort();
      };
      process.on(sig, handler);
      this.stopHandlers.push(() => process.off(sig, handler));
    }
  }

  async close(): Promise<void> {
    for (const off of this.stopHandlers) off();
    await this.limiters.close();
  }
}

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new ConfigError('the environment', [{ field: name, reason: 'must be a non-negative number' }]);
  }
  return n;
}

/** Operators tune deadlines and retries per deployment without a code change. */
export function httpOptionsFromEnv(): HttpOptions {
  return {
    timeoutMs: envNumber('INCIDENT_IO_CONNECTOR_TIMEOUT_MS'),
    maxRetries: envNumber('INCIDENT_IO_CONNECTOR_MAX_RETRIES'),
    backoffBaseMs: envNumber('INCIDENT_IO_CONNECTOR_BACKOFF_MS'),
    backoffMaxMs: envNumber('INCIDENT_IO_CONNECTOR_BACKOFF_MAX_MS'),
  };
}

/**
 * The key's bucket (when incident.io grants a different one) and this process's share of it; with
 * INCIDENT_IO_CONNECTOR_REDIS_URL, every process on that Redis shares one limiter per key.
 */
export function rateLimitFromEnv(): RateLimitOptions {
  return {
    burst: envNumber('INCIDENT_IO_CONNECTOR_RATE_BURST'),
    refillPerSecond: envNumber('INCIDENT_IO_CONNECTOR_RATE_REFILL'),
    share: envNumber('INCIDENT_IO_CONNECTOR_RATE_SHARE'),
    redis: redisFromEnv(),
  };
}

/** INCIDENT_IO_CONNECTOR_REDIS_URL (+ _ON_UNAVAILABLE fail|local, _LOCAL_SHARE) → Redis mode. */
export function redisFromEnv(): RedisRateLimitOptions | undefined {
  const url = process.env.INCIDENT_IO_CONNECTOR_REDIS_URL;
  if (url === undefined || url === '') return undefined;
  const problems: FieldProblem[] = [];
  try {
    checkRedisUrl(url);
  } catch (e) {
    // Never echo the URL: it may hold a password.
    problems.push({
      field: 'INCIDENT_IO_CONNECTOR_REDIS_URL',
      reason: (e as Error).message.replace('redis.url', 'it'),
    });
  }
  const onUnavailable = process.env.INCIDENT_IO_CONNECTOR_REDIS_ON_UNAVAILABLE || 'fail';
  if (onUnavailable !== 'fail' && onUnavailable !== 'local') {
    problems.push({
      field: 'INCIDENT_IO_CONNECTOR_REDIS_ON_UNAVAILABLE',
      reason: 'must be "fail" or "local"',
    });
  }
  const localShare = envNumber('INCIDENT_IO_CONNECTOR_REDIS_LOCAL_SHARE');
  if (localShare !== undefined && !(localShare > 0 && localShare <= 1)) {
    problems.push({ field: 'INCIDENT_IO_CONNECTOR_REDIS_LOCAL_SHARE', reason: 'must be in (0, 1]' });
  }
  if (problems.length) throw new ConfigError('the environment', problems);
  // A request still in flight counts until well after its deadline: the job expiration must outlast it.
  const timeoutMs = envNumber('INCIDENT_IO_CONNECTOR_TIMEOUT_MS');
  return {
    url,
    onUnavailable: onUnavailable as 'fail' | 'local',
    ...(localShare !== undefined ? { localShare } : {}),
    ...(timeoutMs ? { jobExpirationMs: Math.max(65_000, 2 * timeoutMs + 5_000) } : {}),
  };
}

export function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code ? `cannot be read (${err.code})` : `cannot be read as JSON: ${err.message}`;
    throw new ConfigError(what, [{ field: file, reason: why }]);
  }
}

/** A config file: one JSON object (`null`, a list or a string is a config error, not "no config"). */
export function readConfigFile(file: string, what: string): Record<string, unknown> {
  const value = readJsonFile(file, what);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(what, [{ field: file, reason: 'must hold one JSON object ({...})' }]);
  }
  return value as Record<string, unknown>;
}
