// Figure 6: three worker processes — CLI `read` (escalations), `read` (alerts) and `write`
// (create_incident) — on one key, sharing its limiter through Redis, against a simulator whose bucket
// equals the limiter's. Combined throughput is every request the simulator saw over the wall time from
// the first worker's start to the last one's end. Baseline, same run: the same three workers without
// Redis, each with its own limiter (what running three workers on one key gives you otherwise).
//
// The bucket is 60/s rather than the other figures' 200/s: three CLI processes, the simulator and Redis
// share this machine's CPUs, and with 25 ms latency the three workers together ask for ~120 requests/s
// (measured with no limit), so at 200/s they, not the limiter, would be the bound. 60/s is three times
// incident.io's own 20/s.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const { startSimulator, simStats, resetStats, runCli, fmt } = require('./lib');

function redisVersion() {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('the redis figure needs redis-server (apt-get install -y redis-server)');
  }
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** redis-server on a free loopback port, no persistence; resolves once it accepts connections. */
async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  );
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
  child.stdout.resume();
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise((done) => {
        child.once('exit', done);
        child.kill('SIGTERM');
      }),
  };
}

async function threeWorkers(sim, env, n, config) {
  const input = Array.from({ length: n.writes }, (_, i) =>
    JSON.stringify({
      name: `Redis bench ${i}`,
      mode: 'test',
      severity: 'Minor',
      idempotency_key: `redis-bench-${env.RUN}-${i}`,
    })
  ).join('\n');
  await resetStats(sim);
  const now = () => Number(process.hrtime.bigint()) / 1e9;
  const t0 = now();
  // Three CLIs starting at once on a small machine take seconds before their first request: the
  // throughput is measured from the first request the simulator sees (polled every 20 ms).
  let firstAt;
  let polling = true;
  const poll = (async () => {
    while (polling && firstAt === undefined) {
      if ((await simStats(sim)).requests > 0) firstAt = now();
      else await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const runs = await Promise.all([
    runCli(['read', '--stream', 'escalations', '--config', config], { env }),
    runCli(['read', '--stream', 'alerts', '--config', config], { env }),
    runCli(['write', '--action', 'create_incident', '--input', '-'], { env, input }),
  ]);
  const end = now();
  polling = false;
  await poll;
  const failed = runs.find((r) => r.code !== 0);
  if (failed) throw new Error(`a worker failed: ${failed.stderr.slice(-2000)}`);
  return { runs, seconds: end - t0, active: end - (firstAt ?? t0), stats: await simStats(sim) };
}

async function figureRedis({ latencyMs }) {
  const bucket = { burst: 60, refill: 60 };
  const version = redisVersion();
  // ~500 requests per worker, ~25 s at 60/s: 12,000 escalations and alerts in pages of 25, 500 creates.
  // (Not incidents: GET /v2/incidents has its own 60/min route limit, which would bind that worker.)
  const n = { escalations: 12_000, alerts: 12_000, writes: 500 };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const config = path.join(dir, 'source.json');
  fs.writeFileSync(config, JSON.stringify({ page_sizes: { escalations: 25, alerts: 25 } }));
  const sim = await startSimulator([
    '--escalations',
    String(n.escalations),
    '--alerts',
    String(n.alerts),
    '--burst',
    String(bucket.burst),
    '--refill',
    String(bucket.refill),
    '--latency',
    String(latencyMs),
  ]);
  const redis = await startRedis();
  try {
    const base = {
      INCIDENT_IO_API_KEY: sim.apiKey,
      INCIDENT_IO_BASE_URL: sim.url,
      INCIDENT_IO_CONNECTOR_RATE_BURST: String(bucket.burst),
      INCIDENT_IO_CONNECTOR_RATE_REFILL: String(bucket.refill),
      // The three together may use the whole bucket: the figure measures how close they get.
      INCIDENT_IO_CONNECTOR_RATE_SHARE: '1',
    };
    const shared = await threeWorkers(
      sim,
      { ...base, RUN: 'shared', INCIDENT_IO_CONNECTOR_REDIS_URL: redis.url },
      n,
      config
    );
    // Let the server's bucket refill before the baseline, so both start from a full bucket.
    await new Promise((r) => setTimeout(r, 1000 * (bucket.burst / bucket.refill) + 500));
    const alone = await threeWorkers(
      sim,
      { ...base, RUN: 'alone', INCIDENT_IO_CONNECTOR_REDIS_URL: '' },
      n,
      config
    );

    const requests = shared.stats.requests;
    // From the first request to the last worker's exit; net of the initial burst, which any run gets
    // for free: what the refill carried.
    const rate = requests / shared.active;
    const net = Math.max(0, requests - bucket.burst) / shared.active;
    const s429 = shared.stats.byStatus['429'] ?? 0;
    const alone429 = alone.stats.byStatus['429'] ?? 0;
    const worker = (r) => `${fmt(r.seconds)} s`;
    return {
      name: 'Redis: three workers on one key',
      setup: `3 CLI processes (read escalations, read alerts, write create_incident) on one key through Redis ${version}; bucket ${bucket.burst}, refill ${bucket.refill}/s, ${latencyMs} ms latency`,
      rows: [
        [
          'requests, time',
          `${requests} requests in ${fmt(shared.active)} s from the first request (${fmt(shared.seconds)} s with CLI start-up; workers ${shared.runs.map(worker).join(', ')})`,
        ],
        ['responses 429', String(s429), '0'],
        ['combined throughput ÷ refill', `${fmt(rate / bucket.refill)} (${fmt(rate, 0)} requests/s)`],
        ['combined throughput net of the burst ÷ refill', fmt(net / bucket.refill), '≥ 0.90'],
        [
          'baseline: same workers, no Redis (a limiter each)',
          `${alone429} responses 429, ${alone.stats.requests} requests in ${fmt(alone.active)} s`,
        ],
      ],
      pass: s429 === 0 && net / bucket.refill >= 0.9,
    };
  } finally {
    await redis.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { figureRedis };
