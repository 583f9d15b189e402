// Webhook latency: from a write to the simulator (an incident edit) to its record on the stdout of
// `read --webhooks`, against the polling source at its default interval (15 minutes, the webhook
// source's reconciliation default): a change waits for the next poll, then for the incremental read.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT, fmt } = require('./lib');

const CLI = path.join(ROOT, 'dist/host/cli.js');
const WRITES = 200;
const POLL_INTERVAL_MS = 15 * 60_000;

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function post(sim, p, body) {
  const res = await fetch(`${sim.url}${p}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.text();
  if (res.status >= 300) throw new Error(`${p} answered ${res.status}`);
}

function cli(args, env) {
  return spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function figureWebhooks({ latencyMs }) {
  const { startSimulator, newSigningSecret } = require(path.join(ROOT, 'dist/simulator'));
  const sim = await startSimulator({ incidents: 2000, size: 'small', latencyMs });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-webhooks-'));
  const secret = newSigningSecret();
  const env = {
    ...process.env,
    INCIDENT_IO_API_KEY: sim.apiKey,
    INCIDENT_IO_BASE_URL: sim.url,
    INCIDENT_IO_WEBHOOK_SECRET: secret,
  };
  const seen = new Map();
  try {
    // Push: the webhook source listening, the simulator delivering each write's event at once.
    const child = cli(
      ['read', '--webhooks', '--stream', 'incidents', '--webhook-port', '0', '--webhook-dir', dir],
      env
    );
    const port = await new Promise((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        const m = /listening on port (\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (c) => reject(new Error(`read --webhooks exited with ${c}: ${err}`)));
    });
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const m = /"name":"bench write (\d+)"/.exec(line);
        if (m && !seen.has(Number(m[1]))) seen.set(Number(m[1]), performance.now());
      }
    });
    sim.webhooks.register({ url: `http://127.0.0.1:${port}/`, secret });
    const ids = Array.from({ length: WRITES }, (_, k) => sim.incidents.id(k * 7));
    const written = new Map();
    for (let k = 0; k < WRITES; k++) {
      written.set(k, performance.now());
      await post(sim, `/v2/incidents/${ids[k]}/actions/edit`, {
        incident: { name: `bench write ${k}` },
        notify_incident_channel: false,
      });
      await new Promise((r) => setTimeout(r, 20));
    }
    for (let i = 0; i < 600 && seen.size < WRITES; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const push = [...written].filter(([k]) => seen.has(k)).map(([k, t]) => seen.get(k) - t);
    push.sort((a, b) => a - b);

    // Poll: the incremental read that follows a poll interval, timed; a change made at a uniformly
    // random moment of the interval waits the rest of it, then that read.
    const state = path.join(dir, 'poll-state.json');
    const full = cli(['read', '--stream', 'incidents', '--state-file', state], env);
    full.stdout.resume();
    await new Promise((r) => full.once('exit', r));
    const reads = [];
    for (let round = 0; round < 5; round++) {
      sim.touchIncidents(20);
      const t = performance.now();
      const inc = cli(['read', '--stream', 'incidents', '--state-file', state], env);
      inc.stdout.resume();
      await new Promise((r) => inc.once('exit', r));
      reads.push(performance.now() - t);
    }
    reads.sort((a, b) => a - b);
    const readMs = quantile(reads, 0.5);
    const poll = Array.from({ length: 1000 }, (_, k) => POLL_INTERVAL_MS * (1 - (k + 0.5) / 1000) + readMs);
    poll.sort((a, b) => a - b);
    const pushMedian = quantile(push, 0.5);
    const pushP99 = quantile(push, 0.99);
    const pollMedian = quantile(poll, 0.5);
    return {
      name: 'Webhook latency',
      setup: `${WRITES} incident edits 20 ms apart to an in-process simulator (${latencyMs} ms API latency); read --webhooks as a child process; the polling baseline is its 15-minute default interval plus the measured incremental read`,
      rows: [
        ['records emitted by push', `${push.length} of ${WRITES}`, `${WRITES}`],
        ['push: write → record, median', `${fmt(pushMedian)} ms`],
        ['push: write → record, p99', `${fmt(pushP99)} ms`, '< 5000 ms'],
        ['baseline: poll every 15 min, median', `${fmt(pollMedian / 1000)} s`],
        ['baseline: poll every 15 min, p99', `${fmt(quantile(poll, 0.99) / 1000)} s`],
        ['baseline: incremental read, median of 5', `${fmt(readMs)} ms`],
        ['poll median ÷ push median', fmt(pollMedian / pushMedian, 0)],
      ],
      pass: push.length === WRITES && pushP99 < 5000,
    };
  } finally {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { figureWebhooks };
