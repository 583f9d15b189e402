// The `simulator` command's rate-limit flags: the benchmarks' "no rate limit" figures rely on
// --unlimited really lifting the bucket, and the limited ones on --burst/--refill setting it.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { runSimulator } from '../../src/host/commands/simulator';
import { CLI, runCli } from '../helpers/cli';

interface Running {
  url: string;
  apiKey: string;
  stop: () => Promise<number | null>;
}

function startCommand(flags: string[], stderr?: (text: string) => void): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'simulator', '--port', '0', '--incidents', '5', ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr.on('data', (d: Buffer) => stderr?.(d.toString('utf8')));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (!out.includes('\n')) return;
      const info = JSON.parse(out.split('\n')[0]) as { url: string; api_key: string };
      resolve({
        url: info.url,
        apiKey: info.api_key,
        stop: () =>
          new Promise((done) => {
            child.once('close', done);
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('error', reject);
  });
}

function get(url: string, key: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { Authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      })
      .on('error', reject);
  });
}

describe('simulator command', () => {
  test('--unlimited serves every request without rate-limit headers or 429s', async () => {
    const sim = await startCommand(['--unlimited']);
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => get(`${sim.url}/v2/incidents?page_size=1`, sim.apiKey))
      );
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(answers.filter((a) => a.headers['x-ratelimit-remaining'] !== undefined)).toHaveLength(0);
    } finally {
      expect(await sim.stop()).toBe(0);
    }
  }, 30_000);

  test('--latency with --jitter starts and serves; --jitter must be a fraction', async () => {
    const sim = await startCommand(['--latency', '5', '--jitter', '0.5']);
    try {
      expect((await get(`${sim.url}/v1/identity`, sim.apiKey)).status).toBe(200);
    } finally {
      expect(await sim.stop()).toBe(0);
    }
    const bad = await runCli(['simulator', '--jitter', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--jitter must be between 0 and 1/);
  }, 30_000);

  test('--burst and --refill set the key bucket: the request after the burst is refused', async () => {
    const sim = await startCommand(['--burst', '3', '--refill', '1']);
    try {
      const statuses: number[] = [];
      // (Not GET /v2/incidents: its own bucket, scaled with the key's, is tighter still.)
      for (let i = 0; i < 4; i++) statuses.push((await get(`${sim.url}/v1/identity`, sim.apiKey)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      expect(await sim.stop()).toBe(0);
    }
  }, 30_000);
});

// A script or test that starts the command, reads its URL and stops it at once must find it ready to
// stop: a SIGTERM before the handlers exist kills it with no exit code (the fault matrix saw `null`).
describe('stopping the simulator command right after it announces its URL', () => {
  test('its SIGINT and SIGTERM handlers are installed before the URL line is written', async () => {
    const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    const added = (sig: 'SIGINT' | 'SIGTERM') =>
      process.listeners(sig).filter((l) => !before[sig].includes(l));
    let atAnnouncement: { SIGINT: number; SIGTERM: number } | undefined;
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      if (String(chunk).includes('"api_key"')) {
        atAnnouncement = { SIGINT: added('SIGINT').length, SIGTERM: added('SIGTERM').length };
        // Stop it the way a signal would (process.emit would also reach the test runner's handlers).
        setImmediate(() => added('SIGTERM').forEach((l) => (l as () => void)()));
      }
      return true;
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runSimulator({ port: 0, incidents: 5 })).toBe(0);
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(atAnnouncement).toEqual({ SIGINT: 1, SIGTERM: 1 });
    // Stopped, it leaves no handler behind.
    expect([added('SIGINT'), added('SIGTERM')]).toEqual([[], []]);
  }, 30_000);

  test('SIGTERM as soon as the first line arrives: exit 0 and no stack trace, every time', async () => {
    const runs = 10;
    const results: Array<{ code: number | null; stderr: string }> = [];
    // A few at a time, so the machine is busy as in a full run.
    for (let k = 0; k < runs; k += 5) {
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          let stderr = '';
          const sim = await startCommand([], (t) => (stderr += t));
          const code = await sim.stop();
          results.push({ code, stderr });
        })
      );
    }
    expect(results).toHaveLength(runs);
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stderr).not.toMatch(/\n\s+at |Error/);
    }
  }, 60_000);
});
