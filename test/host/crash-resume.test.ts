// Crash and resume (issue 7): the built CLI killed with SIGKILL at seeded random points and run again
// until it completes. `read --state-file` resumes from its state file each time: the union of the
// records printed equals the full set, and a record is printed twice only when it belongs to the last
// page in flight at a kill (or, after a kill that came once the scan had finished, to the lookback
// window of the incremental read that follows). `write` is re-run with the same input: nothing is
// created twice and the final run accounts for every record. Children run concurrently (one chain
// of runs per state file) to keep the suite fast.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import plugin, { LimiterRegistry, type SourceMessage, type StreamState } from '../../src';
import { incidentIdempotencyKey } from '../../src/destination/actions/create-incident';
import { startSimulator, type Simulator } from '../../simulator/src';
import { CLI, FAST_HTTP_ENV, makeTempDir, removeTempDir, ROOT } from '../helpers/cli';
import { mulberry32 } from '../../simulator/src/ids';

const KEY = `inc_crash_${'c4a5'.repeat(11)}`;
const ROLES = ['viewer', 'incident_creator'];
const INCIDENTS = 2000;
const PAGE = 50;
const LOOKBACK_MS = 5 * 60_000; // the source config default
const READ_CHAINS = 3;
const KILLS_PER_READ_CHAIN = 8;
const MIN_READ_KILLS = 20;
const WRITE_CHAINS = 2;
const WRITE_KILLS_PER_CHAIN = 4;
const WRITE_RECORDS = 200;
/** Generous: the runs take ~15 s each alone, but children are slow on a loaded machine. */
const SLOW_TEST_MS = 180_000;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Complete lines only: a line cut by the kill is dropped (and counted). */
  lines: Array<Record<string, unknown>>;
  cutLine: boolean;
  stderr: string;
}

/**
 * Runs the CLI; `killWhen` is asked after every chunk of stdout (with the complete lines so far) and
 * every 5 ms, and a true answer sends SIGKILL.
 */
function runCli(
  args: string[],
  env: Record<string, string>,
  killWhen: (lines: number) => boolean
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, INCIDENT_IO_CONNECTOR_DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let newlines = 0;
    let killed = false;
    const check = () => {
      if (!killed && killWhen(newlines)) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      for (const b of d) if (b === 10) newlines++;
      check();
    });
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const poll = setInterval(check, 5);
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      const text = Buffer.concat(out).toString('utf8');
      const end = text.lastIndexOf('\n');
      const lines = text
        .slice(0, end + 1)
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, lines, cutLine: end + 1 < text.length, stderr: Buffer.concat(err).toString() });
    });
  });
}

let tmp: string;
beforeAll(() => {
  tmp = makeTempDir('incident-io-crash-');
});
afterAll(() => removeTempDir(tmp));

function cliEnv(sim: Simulator): Record<string, string> {
  return {
    ...FAST_HTTP_ENV,
    INCIDENT_IO_API_KEY: KEY,
    INCIDENT_IO_BASE_URL: sim.url,
    INCIDENT_IO_CONNECTOR_HOME: path.join(tmp, 'home'),
  };
}

describe('read killed with SIGKILL and resumed from its state file', () => {
  let sim: Simulator;
  let all: Map<string, string>; // id → updated_at

  beforeAll(async () => {
    sim = await startSimulator({
      incidents: INCIDENTS,
      seed: 29,
      size: 'small',
      bucket: false,
      keys: [{ key: KEY, name: 'Crash key', roles: ROLES }],
    });
    const limiters = new LimiterRegistry();
    const source = plugin.createSource(
      { api_key: KEY, base_url: sim.url },
      { max_partitions: 1 },
      { limiters }
    );
    all = new Map();
    for await (const m of source.read({ streams: ['incidents'] }) as AsyncIterable<SourceMessage>) {
      if (m.type === 'record') all.set(String(m.data.id), String(m.data.updated_at));
    }
    await limiters.close();
    expect(all.size).toBe(INCIDENTS);
  });
  afterAll(async () => {
    await sim?.close();
  });

  it(
    `loses nothing over ≥ ${MIN_READ_KILLS} kills; duplicates only from the page in flight or the lookback`,
    async () => {
      const config = path.join(tmp, 'source-config.json');
      fs.writeFileSync(config, JSON.stringify({ page_sizes: { incidents: PAGE }, max_partitions: 4 }));

      const chain = async (c: number) => {
        const random = mulberry32(7919 * (c + 1));
        const stateFile = path.join(tmp, `read-${c}`, 'incidents.state.json');
        fs.mkdirSync(path.dirname(stateFile), { recursive: true });
        const stateNow = () =>
          fs.existsSync(stateFile)
            ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { streams: Record<string, StreamState> })
                .streams.incidents
            : undefined;
        const seen = new Set<string>();
        // Printed and covered by the state file: never printed again (but for an incremental lookback).
        const saved = new Set<string>();
        let kills = 0;
        let printedTwice = 0;
        let unsavedAtKills = 0;
        let completed = false;
        for (let run = 0; run < 200; run++) {
          const before = stateNow();
          // A kill after the scan's final state: this run is an incremental read from its cursor.
          const incremental = typeof before?.cursor === 'string' && before.scan === undefined;
          // Kill points spread over the whole read: on average the remaining lines over the kills left.
          const remaining = INCIDENTS + INCIDENTS / PAGE - seen.size;
          const killAt =
            kills < KILLS_PER_READ_CHAIN
              ? 1 + Math.floor((random() * 2 * remaining) / (KILLS_PER_READ_CHAIN - kills + 1))
              : Number.POSITIVE_INFINITY;
          const r = await runCli(
            ['read', '--stream', 'incidents', '--state-file', stateFile, '--config', config],
            cliEnv(sim),
            (lines) => lines >= killAt
          );
          // The state file is whole after every kill (it parses), and it is one of the states printed.
          const after = stateNow();
          const savedAt = r.lines.findIndex(
            (l) => l.type === 'state' && JSON.stringify(l.state) === JSON.stringify(after)
          );
          if (savedAt < 0) expect(after).toEqual(before);
          const records = (lines: Array<Record<string, unknown>>) =>
            lines.filter((l) => l.type === 'record').map((l) => l.data as { id: string; updated_at: string });
          const printed = records(r.lines);
          for (const rec of printed) {
            if (!seen.has(rec.id)) continue;
            if (incremental) {
              // Read again by design: within the lookback before the cursor.
              expect(Date.parse(rec.updated_at)).toBeGreaterThanOrEqual(
                Date.parse(String(before!.cursor)) - LOOKBACK_MS
              );
            } else {
              printedTwice++;
              // Read again only if no state had covered it: it was in flight at an earlier kill.
              expect({ run, id: rec.id, saved: saved.has(rec.id) }).toEqual({
                run,
                id: rec.id,
                saved: false,
              });
            }
          }
          for (const rec of printed) seen.add(rec.id);
          for (const rec of records(r.lines.slice(0, savedAt + 1))) saved.add(rec.id);
          const inFlight = records(r.lines.slice(savedAt + 1));
          if (r.signal === 'SIGKILL') {
            kills++;
            // Printed after the last saved state: at most the one page whose state was not saved yet.
            expect(inFlight.length).toBeLessThanOrEqual(PAGE);
            unsavedAtKills += inFlight.length;
            continue;
          }
          expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
          expect(r.lines.at(-1)).toMatchObject({ type: 'stream_status', status: 'complete' });
          completed = true;
          break;
        }
        const strays = fs.readdirSync(path.dirname(stateFile)).filter((f) => f.endsWith('.tmp'));
        return { seen, kills, printedTwice, unsavedAtKills, completed, strays };
      };

      const chains = await Promise.all(Array.from({ length: READ_CHAINS }, (_, c) => chain(c)));
      const kills = chains.reduce((n, c) => n + c.kills, 0);
      expect(kills).toBeGreaterThanOrEqual(MIN_READ_KILLS);
      for (const c of chains) {
        expect(c.completed).toBe(true);
        // The temporary files of state writes cut short by a kill are swept by the next run.
        expect(c.strays).toEqual([]);
        // The union of everything printed is exactly the full set: nothing lost, nothing invented.
        expect(c.seen.size).toBe(all.size);
        for (const id of c.seen) expect(all.has(id)).toBe(true);
        // Every record printed twice (outside a lookback) was printed-but-unsaved at some kill.
        expect(c.printedTwice).toBeLessThanOrEqual(c.unsavedAtKills);
        expect(c.unsavedAtKills).toBeLessThanOrEqual(c.kills * PAGE);
      }
    },
    SLOW_TEST_MS
  );
});

describe('write killed with SIGKILL and re-run with the same input', () => {
  it(
    'creates nothing twice, and the final run accounts for every record',
    async () => {
      const chain = async (c: number) => {
        // Latency per request, so that a kill lands in the middle of a run.
        const sim = await startSimulator({
          incidents: 20,
          seed: 31 + c,
          size: 'small',
          bucket: false,
          latencyMs: 15,
          keys: [{ key: KEY, name: 'Crash key', roles: ROLES }],
        });
        try {
          const records = Array.from({ length: WRITE_RECORDS }, (_, i) => ({
            name: `Crash chain ${c} record ${i}`,
            summary: `written, killed and written again (${i})`,
            mode: 'test',
            severity: i % 4 === 0 ? 'Minor' : 'Major',
          }));
          const input = path.join(tmp, `write-${c}.jsonl`);
          fs.writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
          const random = mulberry32(104729 * (c + 1));
          let kills = 0;
          let final: ChildRun | undefined;
          for (let run = 0; run < 20 && !final; run++) {
            const created = sim.stats().created.incidents;
            const target =
              kills < WRITE_KILLS_PER_CHAIN
                ? created + 5 + Math.floor(random() * 40)
                : Number.POSITIVE_INFINITY;
            const r = await runCli(
              ['write', '--action', 'create_incident', '--input', input],
              cliEnv(sim),
              () => sim.stats().created.incidents >= target
            );
            // Whatever was printed before the kill is whole result lines, in input order from 0.
            expect(r.lines.map((l) => l.index)).toEqual(r.lines.map((_, i) => i));
            for (const l of r.lines) expect(l).toMatchObject({ type: 'result', status: 'ok' });
            if (r.signal === 'SIGKILL') kills++;
            else final = r;
          }
          return { sim, records, kills, final };
        } catch (e) {
          await sim.close();
          throw e;
        }
      };

      const chains = await Promise.all(Array.from({ length: WRITE_CHAINS }, (_, c) => chain(c)));
      try {
        for (const { sim, records, kills, final } of chains) {
          expect(kills).toBe(WRITE_KILLS_PER_CHAIN);
          expect(final).toBeDefined();
          expect(final!.code).toBe(0);
          // The final run: one ok result per record, created or existing, in input order.
          expect(final!.lines.map((l) => l.index)).toEqual(records.map((_, i) => i));
          expect(final!.lines.every((l) => l.status === 'ok')).toBe(true);
          const outcomes = final!.lines.map((l) => l.outcome);
          expect(outcomes.filter((o) => o === 'created' || o === 'existing')).toHaveLength(WRITE_RECORDS);
          // Over every run, killed or not: exactly one incident per record.
          expect(sim.stats().created.incidents).toBe(WRITE_RECORDS);
          for (const r of records)
            expect(sim.findIncidentsByIdempotencyKey(incidentIdempotencyKey({}, r))).toBe(1);
          // The final run created only what the killed runs had not.
          expect(outcomes.filter((o) => o === 'existing').length).toBeGreaterThan(0);
          expect(new Set(final!.lines.map((l) => l.id)).size).toBe(WRITE_RECORDS);
        }
      } finally {
        await Promise.all(chains.map((c) => c.sim.close()));
      }
    },
    SLOW_TEST_MS
  );
});
