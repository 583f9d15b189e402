// Shared pieces of the benchmarks: a simulator in its own process, the CLI as a child process, and
// a plain keep-alive HTTP client for the hand-written baselines.
'use strict';

const { spawn } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/host/cli.js');

/** Starts `incident-io-connector simulator` with the given flags; resolves once it prints its URL. */
function startSimulator(flags) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=4096', CLI, 'simulator', '--port', '0', ...flags],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      }
    );
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      const info = JSON.parse(line);
      resolve({
        url: info.url,
        apiKey: info.api_key,
        child,
        stop: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** GET/POST JSON over keep-alive, returning { status, body }. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.end(JSON.stringify(body));
    else req.end();
  });
}

async function simStats(sim) {
  return JSON.parse((await request(`${sim.url}/_sim/stats`)).text);
}

async function resetStats(sim) {
  await request(`${sim.url}/_sim/reset-stats`, { method: 'POST' });
}

/** Runs the CLI; stdout goes to /dev/null unless captured. Resolves with exit code, time and peak RSS. */
function runCli(args, { env = {}, input, captureStdout = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', path.join(__dirname, 'maxrss.js'), CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', captureStdout ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let rssKb = 0;
    if (captureStdout) child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdio[3].on('data', (d) => (rssKb = Number(String(d).trim()) || rssKb));
    if (input !== undefined) child.stdin.end(input);
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code, seconds, stdout, stderr, peakRssMb: rssKb / 1024 });
    });
  });
}

function fmt(n, digits = 2) {
  return Number(n).toFixed(digits);
}

module.exports = { ROOT, CLI, startSimulator, request, simStats, resetStats, runCli, fmt, agent };
