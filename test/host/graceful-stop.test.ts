// Graceful stop (issue 7): SIGINT or SIGTERM during `read --state-file` or `write` stops the run with
// exit code 130 (src/host/exit-codes.ts) after flushing: the state file holds the last state printed
// and parses, stdout is whole JSON lines ending in a newline, no temporary file is left behind, and a
// resumed read or a re-run write completes the set without reading past a gap or creating twice.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import plugin, { LimiterRegistry, type SourceMessage } from '../../src';
import { incidentIdempotencyKey } from '../../src/destination/actions/create-incident';
import { EXIT } from '../../src/host/exit-codes';
import { startSimulator, type Simulator } from '../../simulator/src';
import { CLI, FAST_HTTP_ENV, makeTempDir, removeTempDir, ROOT } from '../helpers/cli';

const KEY = `inc_stop_${'5e1f'.repeat(11)}`;
const ROLES = ['viewer', 'incident_creator'];
const INCIDENTS = 1000;
const PAGE = 50;
const WRITES = 300;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from the stop signal to the exit. */
  stopMs: number;
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  /** Resolves once `predicate(stdout so far)` holds. */
  until(predicate: (stdout: string) => boolean): Promise<void>;
  stop(signal: NodeJS.Signals): Promise<Finished>;
  /** Without sending anything. */
  finished: Promise<Finished>;
}

function start(args: string[], env: Record<string, string>, opts: { keepStdinOpen?: boolean } = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, INCIDENT_IO_CONNECTOR_DEBUG: '', ...env },
    stdio: [opts.keepStdinOpen ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let signalledAt = 0;
  const waiters: Array<{ p: (s: string) => boolean; resolve: () => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    for (const w of waiters.splice(0)) (w.p(out) ? w.resolve : () => waiters.push(w))();
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: out, stderr: err, stopMs: signalledAt ? Date.now() - signalledAt : 0 });
    });
  });
  return {
    child,
    stdout: () => out,
    until: (p) =>
      new Promise<void>((resolve, reject) => {
        if (p(out)) return resolve();
        waiters.push({ p, resolve });
        void finished.then(() => reject(new Error(`the child exited before the condition held:\n${err}`)));
      }),
    stop(signal) {
      signalledAt = Date.now();
      child.kill(signal);
      return finished;
    },
    finished,
  };
}

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Nothing half-written: stdout is whole lines, each one JSON. */
function expectWholeLines(stdout: string): Array<Record<string, unknown>> {
  if (stdout !== '') expect(stdout.endsWith('\n')).toBe(true);
  return lines(stdout);
}

let tmp: string;
/** Reads run against `sim`, writes against `writeSim`, so that no write changes what a read should see. */
let sim: Simulator;
let writeSim: Simulator;
let all: Set<string>;

beforeAll(async () => {
  tmp = makeTempDir('incident-io-stop-');
  // Latency per request, so that a signal lands in the middle of a run.
  sim = await startSimulator({
    incidents: INCIDENTS,
    seed: 37,
    size: 'small',
    bucket: false,
    latencyMs: 20,
    keys: [{ key: KEY, name: 'Stop key', roles: ROLES }],
  });
  writeSim = await startSimulator({
    incidents: 10,
    seed: 38,
    size: 'small',
    bucket: false,
    latencyMs: 20,
    keys: [{ key: KEY, name: 'Stop key', roles: ROLES }],
  });
  const limiters = new LimiterRegistry();
  const source = plugin.createSource(
    { api_key: KEY, base_url: sim.url },
    { max_partitions: 1 },
    { limiters }
  );
  all = new Set();
  for await (const m of source.read({ streams: ['incidents'] }) as AsyncIterable<SourceMessage>) {
    if (m.type === 'record') all.add(String(m.data.id));
  }
  await limiters.close();
  expect(all.size).toBe(INCIDENTS);
});
afterAll(async () => {
  await Promise.all([sim?.close(), writeSim?.close()]);
  removeTempDir(tmp);
});
afterEach(() => sim.clearFaults());

function env(extra: Record<string, string> = {}, target: Simulator = sim): Record<string, string> {
  return {
    ...FAST_HTTP_ENV,
    INCIDENT_IO_API_KEY: KEY,
    INCIDENT_IO_BASE_URL: target.url,
    INCIDENT_IO_CONNECTOR_HOME: path.join(tmp, 'home'),
    ...extra,
  };
}

const readConfig = () => {
  const file = path.join(tmp, 'source-config.json');
  fs.writeFileSync(file, JSON.stringify({ page_sizes: { incidents: PAGE }, max_partitions: 4 }));
  return file;
};

const hasState = (stdout: string) => stdout.includes('"type":"state"');

describe.each(['SIGINT', 'SIGTERM'] as const)('%s', (signal) => {
  it('during read: exit 130, the last state printed is the one saved, resuming completes the set', async () => {
    const dir = path.join(tmp, `read-${signal}`);
    fs.mkdirSync(dir);
    const stateFile = path.join(dir, 'incidents.state.json');
    const args = ['read', '--stream', 'incidents', '--state-file', stateFile, '--config', readConfig()];
    const run = start(args, env());
    // A few pages in: stop it.
    await run.until((out) => out.split('"type":"state"').length > 3);
    const r = await run.stop(signal);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: EXIT.INTERRUPTED, signal: null });
    expect(r.stderr).toContain(`${signal}: stopping`);
    expect(r.stderr).toMatch(/interrupted: the state file .* holds the last completed page/);
    const printed = expectWholeLines(r.stdout);
    // The state file parses and holds the last state printed; nothing was printed after it.
    const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { streams: { incidents: unknown } };
    const lastState = printed.map((l) => l.type).lastIndexOf('state');
    expect(lastState).toBeGreaterThan(0);
    expect(saved.streams.incidents).toEqual(printed[lastState].state);
    expect(printed.slice(lastState + 1).filter((l) => l.type === 'record')).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual(['incidents.state.json']);
    // Resuming from it reads exactly what is missing.
    const before = printed.filter((l) => l.type === 'record').map((l) => (l.data as { id: string }).id);
    expect(before.length).toBeLessThan(INCIDENTS);
    const resumed = await start(args, env()).finished;
    expect(resumed.code).toBe(EXIT.OK);
    const after = lines(resumed.stdout)
      .filter((l) => l.type === 'record')
      .map((l) => (l.data as { id: string }).id);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(new Set([...before, ...after])).toEqual(all);
  });

  it('during read with a request stuck in flight (headers that never come): stops at once', async () => {
    const dir = path.join(tmp, `read-stuck-${signal}`);
    fs.mkdirSync(dir);
    const stateFile = path.join(dir, 'incidents.state.json');
    sim.addFault({ route: 'GET /v2/incidents', kind: 'hang', after: 3, count: Infinity });
    const run = start(
      ['read', '--stream', 'incidents', '--state-file', stateFile, '--config', readConfig()],
      env({ INCIDENT_IO_CONNECTOR_TIMEOUT_MS: '60000' })
    );
    await run.until(hasState);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const r = await run.stop(signal);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: EXIT.INTERRUPTED, signal: null });
    expect(r.stopMs).toBeLessThan(5_000);
    const printed = expectWholeLines(r.stdout);
    const lastState = printed.map((l) => l.type).lastIndexOf('state');
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toEqual({
      streams: { incidents: printed[lastState].state },
    });
  });

  it('during write: exit 130, whole result lines in input order, a re-run creates nothing twice', async () => {
    const records = Array.from({ length: WRITES }, (_, i) => ({
      name: `Stopped by ${signal} #${i}`,
      mode: 'test',
      severity: i % 5 === 0 ? 'Minor' : 'Major',
    }));
    const input = path.join(tmp, `write-${signal}.jsonl`);
    fs.writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const createdBefore = writeSim.stats().created.incidents;
    const args = ['write', '--action', 'create_incident', '--input', input];
    const run = start(args, env({}, writeSim));
    await waitFor(() => writeSim.stats().created.incidents - createdBefore >= 60);
    const r = await run.stop(signal);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: EXIT.INTERRUPTED, signal: null });
    const printed = expectWholeLines(r.stdout);
    // The results printed are complete and in input order from the first record.
    expect(printed.map((l) => l.index)).toEqual(printed.map((_, i) => i));
    for (const l of printed) expect(l).toMatchObject({ type: 'result', status: 'ok' });
    expect(printed.length).toBeLessThan(WRITES);
    expect(r.stderr).toContain(`interrupted after ${printed.length} results`);

    const again = await start(args, env({}, writeSim)).finished;
    expect(again.code).toBe(EXIT.OK);
    const results = lines(again.stdout);
    expect(results.map((l) => l.index)).toEqual(records.map((_, i) => i));
    expect(results.every((l) => l.status === 'ok')).toBe(true);
    expect(writeSim.stats().created.incidents - createdBefore).toBe(WRITES);
    for (const rec of records)
      expect(writeSim.findIncidentsByIdempotencyKey(incidentIdempotencyKey({}, rec))).toBe(1);
  });

  it('during write from a stdin that stays open (waiting for input): stops at once', async () => {
    const run = start(['write', '--action', 'create_incident'], env({}, writeSim), { keepStdinOpen: true });
    const line = (i: number) =>
      `${JSON.stringify({ name: `Open stdin ${signal} #${i}`, severity: 'Minor', mode: 'test' })}\n`;
    for (let i = 0; i < 5; i++) run.child.stdin!.write(line(i));
    // The five are written; then the input goes quiet without ending.
    await waitFor(
      () => writeSim.findIncidentsByIdempotencyKey(incidentIdempotencyKey({}, JSON.parse(line(4)))) === 1
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const r = await run.stop(signal);
    expect({ code: r.code, signal: r.signal }).toEqual({ code: EXIT.INTERRUPTED, signal: null });
    expect(r.stopMs).toBeLessThan(5_000);
    const printed = expectWholeLines(r.stdout);
    expect(printed.map((l) => l.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
