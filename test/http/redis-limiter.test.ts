// The Redis-mode limiter against a real redis-server (started here on a free loopback port) and the
// simulator or a scripted local server: several limiters on one key — separate LimiterRegistry
// instances in this process, and twice separate CLI processes — take their tokens from one bucket, so
// a server whose bucket equals the limiter's answers no 429; learned endpoint limits, the 429 pause and
// X-RateLimit-Remaining corrections reach every process; keys stay independent; FLUSHALL and a Redis
// crash mid-run end in neither a failed run nor a 429 storm; and no Redis key or value holds the key.
// Nothing is mocked. Without redis-server these tests fail (never skip): CI installs it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import plugin, { LimiterRegistry, SourceMessage, WriteResult } from '../../src';
import type { Logger, RateLimitOptions } from '../../src/contract';
import { ConnectorError } from '../../src/errors';
import { IncidentIoClient } from '../../src/http/client';
import { SharedRedis } from '../../src/http/redis-connection';
import { startSimulator, Simulator } from '../../simulator/src';
import { keyFingerprint } from '../../src/util/hash';
import { LocalServer, Reply, apiErrorBody, startServer } from '../helpers/local-server';
import { RedisServer, freePort, startRedisServer } from '../helpers/redis-server';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/host/cli.js');
const BUCKET = { burst: 15, refillPerSecond: 60 };
/**
 * Limiters against the in-process simulator take 90% of its bucket: the simulator shares the test's
 * event loop, so a stall (parallel workers on 2 CPUs) makes requests the shared bucket spaced out
 * arrive together, and at 100% that could show as a 429. Two buckets instead of one shared in Redis
 * would still send about twice the simulator's rate.
 */
const SHARE = 0.9;

let redis: RedisServer;
let admin: Redis;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url, { lazyConnect: true });
  await admin.connect();
});

afterAll(async () => {
  await admin?.quit();
  await redis?.stop();
});

beforeEach(async () => {
  await admin.flushall();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function registry(opts: { logger?: Logger } = {}): LimiterRegistry {
  const r = new LimiterRegistry({}, opts);
  cleanups.push(() => r.close());
  return r;
}

async function simulator(incidents = 600): Promise<Simulator> {
  // What these tests share is the key's bucket: GET /v2/incidents gets it too, instead of its own
  // 1/20 of it (60/min live), which would make the reads wait on that route alone
  // (test/http/rate-limits-e2e.test.ts and simulator/live-rules.test.ts cover the route's limit).
  const sim = await startSimulator({
    incidents,
    seed: 11,
    bucket: BUCKET,
    endpointLimits: { 'GET /v2/incidents': BUCKET },
  });
  cleanups.push(() => sim.close());
  return sim;
}

async function localServer(): Promise<LocalServer> {
  const s = await startServer();
  cleanups.push(() => s.close());
  return s;
}

const redisOpts = (extra: Partial<NonNullable<RateLimitOptions['redis']>> = {}) => ({
  url: redis.url,
  ...extra,
});

async function drainRead(iter: AsyncIterable<SourceMessage>): Promise<number> {
  let n = 0;
  for await (const m of iter) {
    if (m.type === 'record') n++;
    if (m.type === 'stream_status' && m.status === 'incomplete') throw new Error(m.error?.message);
  }
  return n;
}

async function drainWrite(iter: AsyncIterable<WriteResult>): Promise<number> {
  let ok = 0;
  for await (const r of iter) if (r.status === 'ok') ok++;
  return ok;
}

const records = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix} ${i}`, severity: 'Minor', mode: 'test' }));

/** A source and a destination on the simulator's key, each through its own registry ("process"). */
function worker(sim: Simulator, limiters: LimiterRegistry, redisExtra = {}) {
  const credential = plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
  const ctx = { limiters, rateLimit: { ...BUCKET, share: SHARE, redis: redisOpts(redisExtra) } };
  return {
    source: plugin.createSource(credential, { page_sizes: { incidents: 10 } }, ctx),
    destination: plugin.createDestination(credential, { action: 'create_incident', concurrency: 8 }, ctx),
    limiter: limiters.forKey(sim.apiKey, ctx.rateLimit),
  };
}

function client(s: { url: string }, key: string, limiters: LimiterRegistry, rateLimit: RateLimitOptions) {
  const c = new IncidentIoClient(
    { api_key: key, base_url: s.url },
    {
      limiters,
      rateLimit,
      http: { timeoutMs: 5_000, maxRetries: 5, backoffBaseMs: 10, backoffMaxMs: 100 },
    }
  );
  cleanups.push(() => c.close());
  return c;
}

function captureLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** Polls `read` until it returns `expected` (Redis notices a closed connection a moment later). */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 2_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!Object.is(value, expected) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  expect(value).toBe(expected);
}

/** Connections of the limiter (named by the connector) that Redis has open now. */
const limiterConnections = () =>
  admin.client('LIST').then(
    (l) =>
      String(l)
        .split('\n')
        .filter((x) => x.includes('incident-io-connector-limiter')).length
  );

async function allKeys(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await admin.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describe('several limiters on one key share one bucket in Redis', () => {
  test('two limiters in this process on one key: one bucket, 0 responses 429', async () => {
    const sim = await simulator();
    const a = worker(sim, registry());
    const b = worker(sim, registry());
    expect(a.limiter).not.toBe(b.limiter);
    const fp = keyFingerprint(sim.apiKey);
    expect(a.limiter.id).toBe(`incident-io-v2-{${fp}}`);
    expect(b.limiter.id).toBe(a.limiter.id);
    // ~60 list pages and 60 creates at once: 120+ requests for a bucket of 15 + 60/s.
    const [read, written] = await Promise.all([
      drainRead(a.source.read({ streams: ['incidents'] })),
      drainWrite(b.destination.write(records('shared', 60))),
    ]);
    expect(read).toBeGreaterThanOrEqual(600);
    expect(written).toBe(60);
    const stats = sim.stats();
    expect(stats.requests).toBeGreaterThanOrEqual(120);
    expect(stats.byStatus['429'] ?? 0).toBe(0);
    expect(a.limiter.counters.requests).toBeGreaterThanOrEqual(60);
    expect(b.limiter.counters.requests).toBeGreaterThanOrEqual(60);
    expect(a.limiter.counters.redis).toMatchObject({ mode: 'redis', fallbacks: 0 });
    expect(b.limiter.counters.redis).toMatchObject({ mode: 'redis', fallbacks: 0 });
    // The bucket lives in Redis, under the hash-tagged id, with a TTL.
    expect(await admin.pttl(`${a.limiter.id}:bucket`)).toBeGreaterThan(0);
  });

  test('two limiters, the whole bucket, transit delays of 0-150 ms: 0 responses 429', async () => {
    // incident.io takes a token when a request arrives; the shared bucket counts every process's
    // requests in flight against the burst until they are answered (redis-scripts.ts).
    const bucket = { burst: 10, refillPerSecond: 50 };
    const sim = await startSimulator({ incidents: 1, seed: 3, bucket, latencyMs: { min: 0, max: 150 } });
    cleanups.push(() => sim.close());
    const rateLimit = { ...bucket, redis: redisOpts() };
    const [a, b] = [registry(), registry()].map((r) => client(sim, sim.apiKey, r, rateLimit));
    expect(a.limiter).not.toBe(b.limiter);
    await Promise.all([a, b].flatMap((c) => Array.from({ length: 50 }, () => c.get('/v1/severities'))));
    const stats = sim.stats();
    expect({ requests: stats.requests, refused: stats.byStatus['429'] ?? 0 }).toEqual({
      requests: 100,
      refused: 0,
    });
    expect(a.limiter.counters.redis).toMatchObject({ mode: 'redis', fallbacks: 0 });
  });

  test('two CLI processes (read and write) on one key: 0 responses 429', async () => {
    expect(fs.existsSync(path.join(ROOT, 'dist/http/redis-bucket.js'))).toBe(true); // `npm run build`
    const sim = await simulator();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-limiter-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'source.json');
    fs.writeFileSync(config, JSON.stringify({ page_sizes: { incidents: 10 } }));
    const env = {
      ...process.env,
      INCIDENT_IO_API_KEY: sim.apiKey,
      INCIDENT_IO_BASE_URL: sim.url,
      INCIDENT_IO_CONNECTOR_RATE_BURST: String(BUCKET.burst),
      INCIDENT_IO_CONNECTOR_RATE_REFILL: String(BUCKET.refillPerSecond),
      INCIDENT_IO_CONNECTOR_RATE_SHARE: String(SHARE),
      INCIDENT_IO_CONNECTOR_REDIS_URL: redis.url,
    };
    const run = (args: string[], input?: string) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.stdin.end(input ?? '');
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const input = records('cli', 60)
      .map((r) => JSON.stringify(r))
      .join('\n');
    const [read, write] = await Promise.all([
      run(['read', '--stream', 'incidents', '--config', config]),
      run(['write', '--action', 'create_incident', '--input', '-'], input),
    ]);
    expect(read.stderr).not.toContain('error');
    expect(read.code).toBe(0);
    expect(write.code).toBe(0);
    expect(
      read.stdout.split('\n').filter((l) => l.includes('"type":"record"')).length
    ).toBeGreaterThanOrEqual(600);
    expect(write.stdout.split('\n').filter((l) => l.includes('"status":"ok"')).length).toBe(60);
    const stats = sim.stats();
    expect(stats.requests).toBeGreaterThanOrEqual(120);
    expect(stats.byStatus['429'] ?? 0).toBe(0);
    // Both processes used the one bucket (and the other has long disconnected).
    const fp = keyFingerprint(sim.apiKey);
    expect(await admin.exists(`incident-io-v2-{${fp}}:bucket`)).toBe(1);
    await eventually(limiterConnections, 0);
  });

  test('two keys stay independent: neither waits for the other', async () => {
    const s = await localServer();
    const KEY_A = `inc_test_a_${'a1'.repeat(24)}`;
    const KEY_B = `inc_test_b_${'b2'.repeat(24)}`;
    s.handle(() => ({ status: 200, json: { ok: true } }));
    const rateLimit = { burst: 10, refillPerSecond: 20, share: 1, redis: redisOpts() };
    const a = client(s, KEY_A, registry(), rateLimit);
    const b = client(s, KEY_B, registry(), rateLimit);
    expect(a.limiter.id).not.toBe(b.limiter.id);
    const started = Date.now();
    // 40 requests per key: 10 at once, then 30 at 20/s = ~1.5 s each, in parallel. Had the keys shared
    // one bucket, the 80 would need (80 − 10) / 20 = 3.5 s.
    await Promise.all([
      ...Array.from({ length: 40 }, () => a.get('/v2/a')),
      ...Array.from({ length: 40 }, () => b.get('/v2/b')),
    ]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_400);
    expect(elapsed).toBeLessThan(3_000);
    const keys = await allKeys();
    expect(keys).toEqual(expect.arrayContaining([`${a.limiter.id}:bucket`, `${b.limiter.id}:bucket`]));
  });
});

describe('what one process learns holds in every process', () => {
  const KEY = `inc_test_learn_${'c3'.repeat(24)}`;
  const rateLimit = () => ({ burst: 20, refillPerSecond: 20, share: 1, redis: redisOpts() });

  test('a per-route limit learned by one process slows that route in the other, only that route', async () => {
    const s = await localServer();
    s.handle((r) =>
      r.path === '/v2/slow'
        ? { status: 200, headers: { 'X-RateLimit-Limit': '2, 20;window=1, 2;window=1' }, json: { ok: true } }
        : { status: 200, headers: { 'X-RateLimit-Limit': '20, 20;window=1' }, json: { ok: true } }
    );
    const a = client(s, KEY, registry(), rateLimit());
    const b = client(s, KEY, registry(), rateLimit());
    await a.get('/v2/slow');
    expect(a.limiter.counters.learnedLimits).toEqual({ 'GET /v2/slow': { burst: 2, refillPerSecond: 2 } });
    expect(b.limiter.counters.learnedLimits).toEqual({});
    const before = s.requests.length;
    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: 5 }, () => b.get('/v2/slow')),
      ...Array.from({ length: 5 }, () => b.get('/v2/fast')),
    ]);
    // B applied A's limit before its first request: 1 token left, then 2/s for the other 4.
    expect(b.limiter.counters.learnedLimits).toEqual({ 'GET /v2/slow': { burst: 2, refillPerSecond: 2 } });
    const slow = s.requests.slice(before).filter((r) => r.path === '/v2/slow');
    const fast = s.requests.slice(before).filter((r) => r.path === '/v2/fast');
    expect(slow[slow.length - 1].at - started).toBeGreaterThanOrEqual(1_500);
    expect(fast[fast.length - 1].at - started).toBeLessThan(1_000);
  });

  test('a 429 in one process pauses every process on the key until Retry-After', async () => {
    const s = await localServer();
    let t429 = 0;
    s.handle((r) => {
      if (r.index === 4) {
        t429 = Date.now();
        return {
          status: 429,
          headers: { 'Retry-After': '1' },
          json: apiErrorBody(429, 'too_many_requests', 'too_many_requests', 'Too many requests'),
        };
      }
      return { status: 200, json: { ok: true } };
    });
    const a = client(s, KEY, registry(), rateLimit());
    const b = client(s, KEY, registry(), rateLimit());
    const loop = async (c: IncidentIoClient, p: string) => {
      for (let i = 0; i < 8; i++) await c.get(p);
    };
    await Promise.all([loop(a, '/v2/a'), loop(b, '/v2/b')]);
    expect(t429).toBeGreaterThan(0);
    const hit = s.requests[4].path === '/v2/a' ? a : b;
    const other = hit === a ? b : a;
    expect(hit.limiter.counters.pauses).toBe(1);
    expect(other.limiter.counters.pauses).toBe(0); // it learned of the pause from Redis only
    // During the pause at most the one request the other process already had on its way.
    const during = s.requests.filter((r) => r.index > 4 && r.at < t429 + 950);
    expect(during.length).toBeLessThanOrEqual(1);
    if (during.length === 1) expect(during[0].path).not.toBe(s.requests[4].path);
    const resumed = s.requests.filter((r) => r.at >= t429 + 950);
    expect(new Set(resumed.map((r) => r.path))).toEqual(new Set(['/v2/a', '/v2/b']));
    expect(s.count()).toBe(8 + 8 + 1);
  });

  test('X-RateLimit-Remaining seen by one process lowers the bucket of every process', async () => {
    const s = await localServer();
    s.handle((r) =>
      r.index === 0
        ? {
            status: 200,
            headers: { 'X-RateLimit-Limit': '20, 20;window=1', 'X-RateLimit-Remaining': '0' },
            json: { ok: true },
          }
        : { status: 200, json: { ok: true } }
    );
    const a = client(s, KEY, registry(), rateLimit());
    const b = client(s, KEY, registry(), rateLimit());
    const corrected = new Promise((resolve) => a.limiter.once('corrected', resolve));
    await a.get('/v2/a');
    await corrected;
    expect(a.limiter.counters.corrections).toBe(1);
    expect(await b.limiter.currentTokens()).toBeLessThanOrEqual(1);
    // B's bucket is A's: empty, so its 6 requests are spread at 20/s (≥ 250 ms), not sent at once.
    const started = Date.now();
    await Promise.all(Array.from({ length: 6 }, () => b.get('/v2/b')));
    const last = s.requests[s.requests.length - 1].at;
    expect(last - started).toBeGreaterThanOrEqual(200);
  });
});

describe('Redis trouble', () => {
  test('FLUSHALL mid-run: the limiter recovers, the run completes, no 429 storm', async () => {
    const sim = await simulator(1200);
    const a = worker(sim, registry());
    const b = worker(sim, registry());
    const flushed = new Promise<void>((resolve) =>
      setTimeout(() => void admin.flushall().then(() => resolve()), 1_000)
    );
    // ~120 pages and 60 creates, ~3 s at 60/s: the flush lands in the middle.
    const [read, written] = await Promise.all([
      drainRead(a.source.read({ streams: ['incidents'] })),
      drainWrite(b.destination.write(records('flush', 60))),
      flushed,
    ]);
    expect(read).toBeGreaterThanOrEqual(1200);
    expect(written).toBe(60);
    expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
    // Recovered in Redis (the bucket was re-created, empty), never fell back to limiting alone.
    expect(await admin.exists(`${a.limiter.id}:bucket`)).toBe(1);
    expect(a.limiter.counters.redis).toMatchObject({ mode: 'redis', fallbacks: 0 });
    expect(b.limiter.counters.redis).toMatchObject({ mode: 'redis', fallbacks: 0 });
  });

  test('no Redis key or value contains the API key', async () => {
    const KEY = `inc_canary_redis_${'9f'.repeat(24)}`;
    const s = await localServer();
    s.handle(async (r): Promise<Reply> => {
      if (r.path === '/v2/held') await new Promise((resolve) => setTimeout(resolve, 600));
      if (r.path === '/v2/limited') {
        return {
          status: 429,
          headers: { 'Retry-After': '2' },
          json: apiErrorBody(429, 'too_many_requests', 'too_many_requests', 'Too many requests'),
        };
      }
      return r.path === '/v2/slow'
        ? {
            status: 200,
            headers: { 'X-RateLimit-Limit': '5, 20;window=1, 5;window=1', 'X-RateLimit-Remaining': '3' },
            json: { ok: true },
          }
        : { status: 200, headers: { 'X-RateLimit-Remaining': '1' }, json: { ok: true } };
    });
    const rateLimit = { burst: 20, refillPerSecond: 20, share: 1, redis: redisOpts() };
    const a = client(s, KEY, registry(), rateLimit);
    const b = client(s, KEY, registry(), rateLimit);
    // Learned limits, corrections, requests in flight and a 429 pause: every kind of key is written.
    await Promise.all([a.get('/v2/slow'), b.get('/v2/fast'), a.get('/v2/fast'), b.get('/v2/slow')]);
    await Promise.all([a.get('/v2/slow'), b.get('/v2/fast'), a.get('/v2/fast')]);
    const held = b.get('/v2/held'); // in flight while the keys are read
    const paused = new Promise((resolve) => a.limiter.once('pause', resolve));
    const limited = a.get('/v2/limited', undefined, { maxRetries: 0 }).catch((e: unknown) => e);
    await paused;
    await new Promise((r) => setTimeout(r, 50)); // the pause reaches Redis
    try {
      const keys = await allKeys();
      const fp = keyFingerprint(KEY);
      expect(keys.map((k) => k.replace(/:gate:[0-9a-f]{16}$/, ':gate:*')).sort()).toEqual(
        [
          `incident-io-v2-{${fp}}:bucket`,
          `incident-io-v2-{${fp}}:gate:*`,
          `incident-io-v2-{${fp}}:gates`,
          `incident-io-v2-{${fp}}:inflight`,
          `incident-io-v2-{${fp}}:pause`,
        ].sort()
      );
      const secret = KEY.slice('inc_canary_redis_'.length, 'inc_canary_redis_'.length + 16);
      for (const k of keys) {
        expect(k).not.toContain(KEY);
        expect(k).not.toContain(secret);
        const dump = await admin.dumpBuffer(k);
        expect(dump).not.toBeNull();
        const type = await admin.type(k);
        const value =
          type === 'hash'
            ? JSON.stringify(await admin.hgetall(k))
            : type === 'zset'
              ? JSON.stringify(await admin.zrange(k, 0, -1, 'WITHSCORES'))
              : String(await admin.get(k));
        for (const text of [value, (dump as Buffer).toString('latin1')]) {
          expect(text).not.toContain(KEY);
          expect(text).not.toContain(secret);
          expect(text).not.toContain('canary');
        }
      }
    } finally {
      expect(await limited).toBeInstanceOf(ConnectorError);
      await held;
    }
  });

  test('one shared connection per process, closed by LimiterRegistry.close()', async () => {
    const sim = await simulator(50);
    await eventually(limiterConnections, 0); // the previous tests' connections are gone
    const r1 = new LimiterRegistry();
    const r2 = new LimiterRegistry();
    cleanups.push(
      () => r1.close(),
      () => r2.close()
    );
    const second = 'inc_second_key_00112233445566778899aabbccddeeff';
    sim.addKey({ key: second, name: 'Second', roles: ['viewer'] });
    const rateLimit = { ...BUCKET, share: 1, redis: redisOpts() };
    const limiters = [
      r1.forKey(sim.apiKey, rateLimit),
      r2.forKey(sim.apiKey, rateLimit),
      r2.forKey(second, rateLimit),
    ];
    await Promise.all(limiters.map((l) => l.run('GET /x', async () => undefined)));
    expect(SharedRedis.openCount()).toBe(1);
    expect(await limiterConnections()).toBe(1);
    await r1.close();
    expect(await limiterConnections()).toBe(1);
    await r2.close();
    expect(SharedRedis.openCount()).toBe(0);
    await eventually(limiterConnections, 0);
  });

  test('Redis down at start: a clear ConnectorError, nothing sent, no password in the message', async () => {
    const s = await localServer();
    const port = await freePort(); // nothing listens there
    const c = client(s, 'inc_test_down_0123456789abcdef0123456789abcdef', registry(), {
      burst: 10,
      refillPerSecond: 10,
      redis: { url: `redis://:s3cret-pw@127.0.0.1:${port}`, connectTimeoutMs: 300 },
    });
    const err = await c.get('/v2/x').then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(ConnectorError);
    const e = err as ConnectorError;
    expect(e.failureType).toBe('config');
    expect(e.code).toBe('redis_unavailable');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain(`redis://127.0.0.1:${port}`);
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.message).toContain('INCIDENT_IO_CONNECTOR_REDIS_URL');
    expect(e.message).not.toContain('s3cret-pw');
    expect(s.count()).toBe(0);
  });

  test('Redis down at start with onUnavailable "local": a warning, then this process alone at localShare', async () => {
    const s = await localServer();
    const port = await freePort();
    const { logger, lines } = captureLogger();
    const c = client(s, 'inc_test_local_0123456789abcdef0123456789abcdef', registry({ logger }), {
      burst: 20,
      refillPerSecond: 40,
      share: 1,
      redis: {
        url: `redis://127.0.0.1:${port}`,
        onUnavailable: 'local',
        localShare: 0.5,
        connectTimeoutMs: 300,
      },
    });
    const started = Date.now();
    // Alone at 50%: 10 at once, then 20/s, so 30 requests need ≥ 1 s (at the full budget: 0.25 s).
    await Promise.all(Array.from({ length: 30 }, () => c.get('/v2/x')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(s.count()).toBe(30);
    expect(c.limiter.counters.redis).toMatchObject({ mode: 'local', fallbacks: 1 });
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain(`redis://127.0.0.1:${port}`);
    expect(warnings[0].message).toContain('alone at 50%');
  });

  test('Redis lost mid-run and back: the run goes on alone at localShare, then shares again, no 429 storm', async () => {
    const own = await startRedisServer();
    cleanups.push(() => own.stop());
    const sim = await simulator(1200);
    const logs = captureLogger();
    const extra = { url: own.url, localShare: 0.5 };
    const a = worker(sim, registry({ logger: logs.logger }), extra);
    const b = worker(sim, registry({ logger: logs.logger }), extra);
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 800));
      await own.kill();
      await new Promise((r) => setTimeout(r, 1_000));
      await own.restart();
    })();
    const [read, written] = await Promise.all([
      drainRead(a.source.read({ streams: ['incidents'] })),
      drainWrite(b.destination.write(records('outage', 90))),
      outage,
    ]);
    expect(read).toBeGreaterThanOrEqual(1200);
    expect(written).toBe(90);
    expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
    const counters = [a.limiter.counters.redis, b.limiter.counters.redis];
    for (const c of counters) expect(c?.fallbacks).toBeGreaterThanOrEqual(1);
    // At least the reader, still busy after the restart, shared the budget through Redis again.
    expect(counters.some((c) => c?.mode === 'redis' && c.restores >= 1)).toBe(true);
    const warned = logs.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warned.some((m) => m.includes('lost the rate limiter') && m.includes('alone at 50%'))).toBe(true);
    expect(logs.lines.some((l) => l.level === 'info' && l.message.includes('is back'))).toBe(true);
  });
});
