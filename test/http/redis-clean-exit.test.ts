// Redis mode at the end of a run (issue 13): a clean exit closes quietly — no "lost the rate
// limiter's Redis" warning — and leaves nothing of this process in the key's in-flight set (before,
// every run left members there for 65 s, counted against every other worker). A database index
// that Redis does not have is a config error, not a silent fall back to database 0. Real Redis.
import IORedis from 'ioredis';
import { startSimulator, type Simulator } from '../../simulator/src';
import { FAST_HTTP_ENV, runCli } from '../helpers/cli';
import { expectNoCrash } from '../helpers/no-crash';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

const KEY = `inc_redis_exit_${'e0'.repeat(16)}`;

let redis: RedisServer;
let sim: Simulator;
let client: IORedis;

beforeAll(async () => {
  redis = await startRedisServer();
  client = new IORedis(redis.url, { lazyConnect: false });
  sim = await startSimulator({
    port: 0,
    incidents: 300,
    seed: 8,
    bucket: false,
    keys: [{ key: KEY, name: 'Redis exit', roles: ['viewer', 'incident_creator'] }],
  });
});
afterAll(async () => {
  client?.disconnect();
  await sim?.close();
  await redis?.stop();
});

const env = (url = `${redis.url}/0`) => ({
  ...FAST_HTTP_ENV,
  INCIDENT_IO_API_KEY: KEY,
  INCIDENT_IO_BASE_URL: sim.url,
  INCIDENT_IO_CONNECTOR_REDIS_URL: url,
});

async function inflightMembers(): Promise<string[]> {
  const keys = await client.keys('*:inflight');
  const members = await Promise.all(keys.map((k) => client.zrange(k, 0, -1)));
  return members.flat();
}

test('reads stopped by --limit (pages still in flight) and a write end quietly and release what they hold', async () => {
  await client.flushall();
  const runs = await Promise.all([
    runCli(['read', '--stream', 'incidents', '--limit', '30'], { env: env() }),
    runCli(['read', '--stream', 'incidents', '--limit', '120'], { env: env() }),
    runCli(['write', '--action', 'create_incident'], {
      env: env(),
      input: `${JSON.stringify({ name: 'Redis exit', mode: 'test', severity: 'Minor' })}\n`,
    }),
  ]);
  for (const r of runs) {
    expectNoCrash('redis run', r);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/lost the rate limiter's Redis/);
    expect(r.stderr).not.toMatch(/\[warn\]/);
  }
  // The runs used Redis (their bucket is there), and left no request counted as in flight.
  expect((await client.keys('*:bucket')).length).toBeGreaterThan(0);
  expect(await inflightMembers()).toEqual([]);
});

test('a database index Redis does not have is a config error naming it, not database 0', async () => {
  await client.flushall();
  const r = await runCli(['read', '--stream', 'incidents', '--limit', '5'], { env: env(`${redis.url}/99`) });
  expectNoCrash('db 99', r);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/database 99 does not exist/);
  expect(r.stdout).not.toMatch(/"type":"record"/);
  // Nothing was written to database 0 in its place.
  expect(await client.keys('*')).toEqual([]);
});
