// The webhook source under fire: the simulator sends over 10,000 deliveries (duplicates, reordering,
// about 5% forged signatures or stale replays, Svix-like retries scaled to milliseconds) while the CLI's
// `read --webhooks` is SIGKILLed at 10 random points and restarted from its state file.
//
// "Emitted once" across restarts: a run's records count once the state after them is saved (what a
// runtime commits); records a run printed after its last saved state are its uncommitted tail, which
// the next run emits again from the saved state. Over the committed records of every run: every
// change's newest version is there, no version of an object twice, versions of an object only ever
// increasing; every acknowledged delivery is in the event log; no forged delivery accepted; neither
// the key nor the signing secret in any log, state or output.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CLI, ROOT } from '../../helpers/cli';
import { startSimulator, newSigningSecret, type Simulator } from '../../../simulator/src';
import { mulberry32 } from '../../../simulator/src/ids';

const CHANGES = Number(process.env.WEBHOOK_TEST_CHANGES ?? 8_800);
const KILLS = 10;

let sim: Simulator;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator({ incidents: 3000, size: 'small', bucket: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhooks-crash-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Run {
  child: ChildProcess;
  out: string;
  err: string;
  exited: Promise<void>;
}

interface Line {
  type: string;
  stream?: string;
  data?: Record<string, unknown>;
  state?: { webhooks?: { seq: number } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('10,000 deliveries, 10 SIGKILLs: every change emitted once, newest wins, forgeries refused, no secret in the logs', async () => {
  const secret = newSigningSecret();
  const port = await freePort();
  const logDir = path.join(dir, 'log');
  const stateFile = path.join(dir, 'state.json');
  const configFile = path.join(dir, 'config.json');
  fs.writeFileSync(configFile, JSON.stringify({ webhooks: { reconcile_minutes: 0 } }));
  const messageIds: string[] = [];
  sim.webhooks.onMessage = (m) => messageIds.push(m.id);
  sim.webhooks.register({
    url: `http://127.0.0.1:${port}/`,
    secret,
    // Svix's backoff (5 s, 5 min, … 10 h: a day of retries, far longer than an outage) scaled so that
    // its whole window (about 75 s) is still far longer than the 10 restarts' downtime together.
    retryScheduleMs: Array.from({ length: 40 }, (_, k) => Math.min(2_000, 20 * 2 ** k)),
    duplicateRate: 0.1,
    reorderMs: 40,
    badSignatureRate: 0.05,
    seed: 18,
  });
  const env = {
    ...process.env,
    INCIDENT_IO_API_KEY: sim.apiKey,
    INCIDENT_IO_BASE_URL: sim.url,
    INCIDENT_IO_WEBHOOK_SECRET: secret,
  };
  const args = [
    CLI,
    'read',
    '--webhooks',
    '--stream',
    'incidents',
    '--webhook-port',
    String(port),
    '--webhook-dir',
    logDir,
    '--state-file',
    stateFile,
    '--config',
    configFile,
  ];
  const runs: Run[] = [];
  /** The seq of the state file when each run started (what the run before it committed). */
  const startSeq: number[] = [];
  const savedSeq = () => {
    if (!fs.existsSync(stateFile)) return 0;
    const s = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { streams: Record<string, Line['state']> };
    return s.streams.incidents?.webhooks?.seq ?? 0;
  };
  const start = async () => {
    startSeq.push(savedSeq());
    const child = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const run: Run = { child, out: '', err: '', exited: new Promise((r) => child.once('exit', () => r())) };
    child.stdout!.on('data', (d: Buffer) => (run.out += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (run.err += d.toString('utf8')));
    runs.push(run);
    // Listening: the CLI says so on stderr.
    for (let i = 0; i < 500 && !run.err.includes('listening on port'); i++) await sleep(10);
    expect(run.err).toContain('listening on port');
  };

  await start();
  const rng = mulberry32(1818);
  let sent = 0;
  const sender = (async () => {
    while (sent < CHANGES) {
      // About 300 changes a second: a busy organisation's burst, spread over the kills.
      const n = Math.min(90, CHANGES - sent);
      sim.webhooks.changeIncidents(n);
      sent += n;
      await sleep(300);
    }
  })();
  for (let k = 0; k < KILLS; k++) {
    await sleep(800 + rng() * 1600);
    const run = runs[runs.length - 1];
    run.child.kill('SIGKILL');
    await run.exited;
    await start();
  }
  await sender;
  await sim.webhooks.idle();
  const stats = sim.webhooks.stats();
  // Wait until the last run has taken every acknowledged delivery to a saved state.
  const recordsLog = path.join(logDir, 'records.log');
  const events = path.join(logDir, 'events.log');
  const lines = (file: string) => {
    const b = fs.readFileSync(file);
    let n = 0;
    for (let at = b.indexOf(10); at >= 0; at = b.indexOf(10, at + 1)) n++;
    return n;
  };
  for (let i = 0; i < 200; i++) {
    const total = lines(recordsLog);
    if (total >= lines(events) && savedSeq() >= total) break;
    await sleep(300);
  }
  const last = runs[runs.length - 1];
  last.child.kill('SIGTERM');
  await last.exited;

  // Deliveries: every attempt of a genuine message (duplicates and retries included) and every forgery.
  expect(stats.attempts + stats.forged).toBeGreaterThanOrEqual(10_000);
  expect(stats.exhausted).toBe(0);
  expect(stats.forged).toBeGreaterThan(0.04 * stats.messages);
  expect(stats.forgedAccepted).toBe(0);
  expect(stats.statuses['401']).toBeGreaterThan(0);
  expect(runs.length).toBe(KILLS + 1);

  // Every message incident.io sent is in the event log, once.
  const logged = fs
    .readFileSync(events, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);
  expect(new Set(logged).size).toBe(logged.length);
  expect(new Set(logged)).toEqual(new Set(messageIds));

  // The committed records of each run: those before the state that the next run started from.
  const committed: Array<Record<string, unknown>> = [];
  runs.forEach((run, k) => {
    const upTo = k + 1 < runs.length ? startSeq[k + 1] : savedSeq();
    const lines = run.out.split('\n').filter(Boolean);
    const complete = run.out.endsWith('\n') ? lines : lines.slice(0, -1);
    const pending: Array<Record<string, unknown>> = [];
    for (const l of complete) {
      const msg = JSON.parse(l) as Line;
      if (msg.type === 'record') pending.push(msg.data!);
      else if (msg.type === 'state' && msg.state!.webhooks!.seq <= upTo) committed.push(...pending.splice(0));
    }
  });
  const newest = new Map<string, string>();
  const versions = new Set<string>();
  const micros = (t: string) => {
    const m = /^(.*\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(t)!;
    return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt((m[2] ?? '').padEnd(6, '0'));
  };
  for (const r of committed) {
    const key = `${r.id as string}@${r.updated_at as string}`;
    expect(versions.has(key)).toBe(false); // none twice
    versions.add(key);
    const before = newest.get(r.id as string);
    if (before !== undefined) expect(micros(r.updated_at as string) > micros(before)).toBe(true);
    newest.set(r.id as string, r.updated_at as string);
  }
  // Every changed incident's last version (as the API renders it now) was emitted.
  const changed = new Set(
    fs
      .readFileSync(events, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const body = (JSON.parse(l) as { body: Record<string, { id: string }> }).body;
        return body[body.event_type as unknown as string].id;
      })
  );
  let checked = 0;
  for (const id of changed) {
    const now = sim.incidents.render(sim.incidents.indexOfId(id)!);
    expect({ id, updated_at: newest.get(id) }).toEqual({ id, updated_at: now.updated_at });
    checked++;
  }
  expect(checked).toBeGreaterThan(1000);

  // Neither secret anywhere: logs, state, outputs, stderr.
  const bare = secret.slice('whsec_'.length);
  const everything = [
    ...fs.readdirSync(logDir).map((f) => fs.readFileSync(path.join(logDir, f), 'utf8')),
    fs.readFileSync(stateFile, 'utf8'),
    ...runs.flatMap((r) => [r.out, r.err]),
  ].join('\n');
  expect(everything.includes(sim.apiKey)).toBe(false);
  expect(everything.includes(bare)).toBe(false);
  expect(everything).not.toContain('FORGED');
}, 300_000);
