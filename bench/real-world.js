// The figures at incident.io's real conditions: its bucket per key (1,200, 20/s), 250 ms ± 20%
// latency, GET /v2/incidents at 60 a minute, and the settings a user gets by default (no rate
// environment variables). Each is compared with its physical limit from the same run: the largest of
// (requests − burst) / refill over the key's bucket and each route's.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { ROOT, CLI, startSimulator, request, simStats, resetStats, fmt } = require('./lib');

const KEY = { burst: 1200, refill: 20 };
const INCIDENTS_ROUTE = { burst: 60, refill: 1 };
const LATENCY = ['--latency', '250', '--jitter', '0.2'];

/** The largest of (requests − burst) / refill over the buckets a run's requests go through. */
function physicalLimit(buckets) {
  return Math.max(0, ...buckets.map((b) => (b.requests - b.burst) / b.refill));
}

/** Prints progress every few seconds while `work` runs: elapsed, requests, 429s. */
async function withProgress(label, sim, work) {
  const t0 = Date.now();
  const timer = setInterval(() => {
    simStats(sim)
      .then((s) =>
        process.stderr.write(
          `  ${label}: ${fmt((Date.now() - t0) / 1000, 0)} s, ${s.requests} requests, ${s.byStatus['429'] ?? 0}×429\n`
        )
      )
      .catch(() => undefined);
  }, 10_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs the CLI and counts its output as it comes (nothing kept): records per stream and records seen
 * twice, by primary key (`keyOf` per stream, else the record's id).
 */
function runCounting(args, { env, input, keyOf = {} }) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const records = {};
    const seen = new Map();
    let duplicates = 0;
    let stderr = '';
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    // Cheap for the common shape ({"type":"record","stream":"x","data":{"id":"y",...), parsed otherwise.
    const fast = /^\{"type":"record","stream":"([^"]+)","data":\{"id":"([^"]+)"/;
    lines.on('line', (line) => {
      let stream;
      let key;
      const m = keyOf && fast.exec(line);
      if (m && !keyOf[m[1]]) {
        [, stream, key] = m;
      } else {
        if (!line.startsWith('{"type":"record"')) return;
        const msg = JSON.parse(line);
        stream = msg.stream;
        key = keyOf[stream] ? keyOf[stream](msg.data) : String(msg.data.id);
      }
      records[stream] = (records[stream] ?? 0) + 1;
      let set = seen.get(stream);
      if (!set) seen.set(stream, (set = new Set()));
      if (set.has(key)) duplicates++;
      else set.add(key);
    });
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
    if (input !== undefined) child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, seconds, stderr, records, duplicates });
    });
  });
}

async function realSimulator(flags) {
  const sim = await startSimulator([...flags, ...LATENCY]);
  // A first request compiles the simulator's request path: the real API never makes a client wait for
  // that. Then the buckets refill.
  await request(`${sim.url}/v1/severities`, { headers: { Authorization: `Bearer ${sim.apiKey}` } });
  await new Promise((r) => setTimeout(r, 1000));
  await resetStats(sim);
  return sim;
}

const userEnv = (sim) => ({ INCIDENT_IO_API_KEY: sim.apiKey, INCIDENT_IO_BASE_URL: sim.url });

async function figureRealRead() {
  const counts = { incidents: 25_000, alerts: 60_000, escalations: 60_000 };
  const sim = await realSimulator([
    '--incidents',
    String(counts.incidents),
    '--alerts',
    String(counts.alerts),
    '--escalations',
    String(counts.escalations),
  ]);
  try {
    const expected = JSON.parse((await request(`${sim.url}/_sim/expected-counts`)).text);
    const want = {
      incidents: counts.incidents,
      alerts: expected.alerts,
      escalations: expected.escalations,
    };
    const pages = {
      incidents: Math.ceil(want.incidents / 250),
      alerts: Math.ceil(want.alerts / 50),
      escalations: Math.ceil(want.escalations / 50),
    };
    const minimum = pages.incidents + pages.alerts + pages.escalations;
    const run = await withProgress('real-world read', sim, () =>
      runCounting(['read', '--stream', 'incidents', '--stream', 'alerts', '--stream', 'escalations'], {
        env: userEnv(sim),
      })
    );
    const stats = await simStats(sim);
    if (run.code !== 0) throw new Error(`read failed: ${run.stderr.slice(-2000)}`);
    const limit = physicalLimit([
      { requests: minimum, ...KEY },
      { requests: pages.incidents, ...INCIDENTS_ROUTE },
    ]);
    const complete = Object.entries(want).every(([s, n]) => run.records[s] === n);
    const throttled = stats.byStatus['429'] ?? 0;
    return {
      name: 'Real-world read',
      setup: `bucket ${KEY.burst}, refill ${KEY.refill}/s, GET /v2/incidents ${INCIDENTS_ROUTE.burst}/min, 250 ms ± 20% latency, default settings; ${want.incidents} incidents, ${want.alerts} alerts, ${want.escalations} escalations = ${minimum} pages at the largest sizes`,
      rows: [
        ['connector elapsed', `${fmt(run.seconds)} s (${stats.requests} requests)`],
        ['physical limit max((pages − burst) / refill)', `${fmt(limit)} s`],
        ['elapsed ÷ physical limit', fmt(run.seconds / limit), '≤ 1.10'],
        ['responses 429', String(throttled), '0'],
        [
          'records (incidents, alerts, escalations)',
          `${run.records.incidents ?? 0}, ${run.records.alerts ?? 0}, ${run.records.escalations ?? 0}${complete ? ' (complete)' : ' (INCOMPLETE)'}`,
          'complete',
        ],
        ['duplicates', String(run.duplicates), '0'],
      ],
      pass: run.seconds / limit <= 1.1 && throttled === 0 && complete && run.duplicates === 0,
    };
  } finally {
    await sim.stop();
  }
}

async function figureRealWrite() {
  const n = 3000;
  const sim = await realSimulator(['--incidents', '10']);
  try {
    const input = Array.from({ length: n }, (_, i) =>
      JSON.stringify({
        name: `Bench incident ${i}`,
        severity: 'Minor',
        status: 'Investigating',
        mode: 'test',
      })
    ).join('\n');
    const run = await withProgress('real-world write', sim, () =>
      runCounting(['write', '--action', 'create_incident', '--input', '-'], {
        env: userEnv(sim),
        input,
      })
    );
    const stats = await simStats(sim);
    if (run.code !== 0) throw new Error(`write failed: ${run.stderr.slice(-2000)}`);
    const limit = physicalLimit([{ requests: stats.requests, ...KEY }]);
    const created = stats.created.incidents;
    const throttled = stats.byStatus['429'] ?? 0;
    return {
      name: 'Real-world write',
      setup: `${n} create_incident records; bucket ${KEY.burst}, refill ${KEY.refill}/s, 250 ms ± 20% latency, default settings`,
      rows: [
        ['connector elapsed', `${fmt(run.seconds)} s (${stats.requests} requests incl. name lookups)`],
        ['physical limit (requests − burst) / refill', `${fmt(limit)} s`],
        ['elapsed ÷ physical limit', fmt(run.seconds / limit), '≤ 1.10'],
        ['responses 429', String(throttled), '0'],
        ['incidents created', `${created} of ${n}`, String(n)],
        ['duplicates (created − records)', String(Math.max(0, created - n)), '0'],
      ],
      pass: run.seconds / limit <= 1.1 && throttled === 0 && created === n,
    };
  } finally {
    await sim.stop();
  }
}

/**
 * The fewest requests the API allows for a stream's records: pages at the largest size; one request
 * per parent at least where the list needs a parent; an organisation-wide list where there is one;
 * one list per value where the API takes one value at a time.
 */
function fewestRequests(def, records) {
  const n = records[def.name] ?? 0;
  const pages = (k) => (def.pageSize ? Math.max(1, Math.ceil(k / def.pageSize)) : 1);
  if (def.parent && !def.parent.orgWide) {
    const parents = records[def.parent.stream] ?? 0;
    return Math.max(parents, def.pageSize ? Math.ceil(n / def.pageSize) : 0);
  }
  if (def.partitionBy) return def.partitionBy.values.length;
  return pages(n);
}

async function figureFullSync() {
  const incidents = 500;
  const sim = await realSimulator(['--incidents', String(incidents)]);
  try {
    const { STREAMS } = require(path.join(ROOT, 'dist/source/streams'));
    const keyOf = {};
    for (const def of STREAMS) {
      const paths = def.primaryKey.map((p) => (r) => p.reduce((o, k) => o?.[k], r));
      if (paths.length > 1 || def.primaryKey[0].join('.') !== 'id')
        keyOf[def.name] = (r) => JSON.stringify(paths.map((get) => get(r)));
    }
    const expected = JSON.parse((await request(`${sim.url}/_sim/expected-counts`)).text);
    const run = await withProgress('full sync', sim, () =>
      runCounting(['read', '--all'], { env: userEnv(sim), keyOf })
    );
    const stats = await simStats(sim);
    if (run.code !== 0) throw new Error(`read --all failed: ${run.stderr.slice(-2000)}`);
    const fewest = STREAMS.reduce((sum, def) => sum + fewestRequests(def, run.records), 0);
    const incidentPages = Math.ceil((run.records.incidents ?? 0) / 250);
    const limit = physicalLimit([
      { requests: fewest, ...KEY },
      { requests: incidentPages, ...INCIDENTS_ROUTE },
    ]);
    const missing = Object.entries(expected)
      .filter(([s, count]) => (run.records[s] ?? 0) !== count)
      .map(([s, count]) => `${s} ${run.records[s] ?? 0}/${count}`);
    const total = Object.values(run.records).reduce((a, b) => a + b, 0);
    const throttled = stats.byStatus['429'] ?? 0;
    return {
      name: 'Full sync',
      setup: `read --all of a seeded organisation (${incidents} incidents with their children, every stream); bucket ${KEY.burst}, refill ${KEY.refill}/s, GET /v2/incidents ${INCIDENTS_ROUTE.burst}/min, 250 ms ± 20% latency, default settings`,
      rows: [
        ['connector elapsed', `${fmt(run.seconds)} s`],
        ['requests made vs the fewest the API allows', `${stats.requests} vs ${fewest}`],
        ['requests per record', `${fmt(stats.requests / total, 3)} (${total} records)`],
        ['physical limit (fewest − burst) / refill', `${fmt(limit)} s`],
        ['elapsed ÷ physical limit', fmt(run.seconds / limit), '≤ 1.10'],
        ['responses 429', String(throttled), '0'],
        [
          'streams complete (records = seeded)',
          missing.length
            ? `INCOMPLETE: ${missing.join(', ')}`
            : `${Object.keys(expected).length} of ${Object.keys(expected).length}`,
          'all',
        ],
        ['duplicates', String(run.duplicates), '0'],
      ],
      pass: run.seconds / limit <= 1.1 && throttled === 0 && missing.length === 0 && run.duplicates === 0,
    };
  } finally {
    await sim.stop();
  }
}

module.exports = { figureRealRead, figureRealWrite, figureFullSync, physicalLimit, fewestRequests };
