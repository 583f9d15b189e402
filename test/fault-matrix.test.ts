// The fault matrix (issue 7): every fault the simulator can act out, on a read (the incidents stream,
// flat and in time partitions) and on a write (create_incident), each with its expected outcome:
// either retried and complete (the exact record set; exactly one incident per record), or a clear
// failure (an `incomplete` stream or `failed` results with status and request_id) that leaves the
// state and results up to that point intact, so that resuming from the last state (or re-running the
// same input) once the fault is gone completes the set. The cases come from one table, FAULT_TABLE,
// which the README's "Faults" section mirrors (checked below). Every message, state, result, log line
// and thrown error is also searched for the API key.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import plugin, {
  LimiterRegistry,
  type Logger,
  type SourceMessage,
  type StreamState,
  type WriteResult,
} from '../src';
import { incidentIdempotencyKey } from '../src/destination/actions/create-incident';
import { startSimulator, type FaultKind, type FaultSpec, type Simulator } from '../simulator/src';
import { FAULT_KINDS } from '../simulator/src/faults';
import { CLI, setupCanary } from './helpers/cli';

const KEY = `inc_canary_${'fa17'.repeat(12)}`;
const ROLES = ['viewer', 'incident_creator'];
/** Fast retries. The deadline is short only where the fault is about deadlines (hang, trickle). */
const HTTP = { maxRetries: 3, backoffBaseMs: 5, backoffMaxMs: 20, timeoutMs: 500 };
const DEADLINE_KINDS: ReadonlySet<FaultKind> = new Set(['hang', 'trickle']);
/**
 * The HTTP options of a case: a deadline long enough that a loaded CI machine cannot turn a slow page
 * into a fault of its own. The faults about deadlines get 3 s: a hang never answers and a trickle
 * (1 byte / 200 ms) needs minutes for the smallest body, so 3 s still catches both, while an honest
 * answer on a machine loaded tenfold fits (1 s did not: 66 creates timed out at a load of 10).
 */
const DEADLINE_FAULT_TIMEOUT_MS = 3_000;
function httpFor(kind?: FaultKind): typeof HTTP {
  return { ...HTTP, timeoutMs: kind && DEADLINE_KINDS.has(kind) ? DEADLINE_FAULT_TIMEOUT_MS : 10_000 };
}
const INCIDENTS = 300;
const PAGE = 50;
const SEED = 17;
const READ_ROUTE = 'GET /v2/incidents';
const WRITE_ROUTE = 'POST /v2/incidents';
const WRITES = 12;

type Outcome =
  | { complete: true }
  | {
      complete?: false;
      failureType: string;
      /** What the message must say (it is the user's only clue). */
      message: RegExp;
      /** Write only: the failed results carry this HTTP status (and then a request_id). */
      httpStatus?: number;
      /** Write only: the failed results carry this code. */
      code?: string;
    };

export interface FaultRow {
  /** The row's name in the README table. */
  fault: string;
  kinds: FaultKind[];
  spec: Omit<FaultSpec, 'kind' | 'route' | 'after'>;
  /** Requests of the route that succeed before the fault fires (default 3 on a read, 4 on a write). */
  after?: number;
  /** The same for the write, when it differs. */
  writeAfter?: number;
  read: Outcome;
  /** 'n/a': the fault only exists on requests that carry a page cursor. */
  write: Outcome | 'n/a';
  /** Undo what outlasts clearFaults() (a revoked key). */
  restore?: (sim: Simulator) => void;
  /** README: what the connector does. */
  does: string;
  /** README: what the user sees. */
  sees: string;
}

const COMPLETE = { complete: true } as const;
const FIVE_XX: FaultKind[] = ['500', '502', '503', '504'];
const STORM = { count: Infinity };

export const FAULT_TABLE: FaultRow[] = [
  {
    fault: '`429` with `Retry-After` in seconds',
    kinds: ['429'],
    spec: { retryAfter: 'seconds' },
    read: COMPLETE,
    write: COMPLETE,
    does: 'pauses every request on the key for the given seconds, then retries',
    sees: 'a warning on stderr; complete data',
  },
  {
    fault: '`429` with `Retry-After` as an HTTP date',
    kinds: ['429'],
    spec: { retryAfter: 'http-date' },
    read: COMPLETE,
    write: COMPLETE,
    does: 'pauses the key until that date, then retries',
    sees: 'a warning on stderr; complete data',
  },
  {
    fault: '`429` without `Retry-After` (only the body says when)',
    kinds: ['429'],
    spec: { retryAfter: 'none' },
    read: COMPLETE,
    write: COMPLETE,
    does: "pauses the key until the body's `rate_limit.retry_after`, then retries",
    sees: 'a warning on stderr; complete data',
  },
  {
    fault: '`429` with no hint at all',
    kinds: ['429'],
    spec: { retryAfter: 'no-hint' },
    read: COMPLETE,
    write: COMPLETE,
    does: 'pauses the key for an exponential backoff with jitter, then retries',
    sees: 'a warning on stderr; complete data',
  },
  {
    fault: '`429` storm (every request)',
    kinds: ['429'],
    spec: { ...STORM, retryAfter: 'seconds' },
    // Each 429 pauses the whole key for a second: two records in the storm are enough.
    writeAfter: WRITES - 2,
    read: { failureType: 'rate_limited', message: /rate limit reached on GET \/v2\/incidents \(request_id / },
    write: { failureType: 'rate_limited', message: /rate limit reached/, httpStatus: 429 },
    does: 'honours every `Retry-After`; gives up after the retry budget',
    sees: 'stream `incomplete` (rate_limited, request_id) / `failed` results with 429; state kept',
  },
  {
    fault: '`500` / `502` / `503` / `504` burst (two in a row)',
    kinds: FIVE_XX,
    spec: { count: 2 },
    read: COMPLETE,
    write: COMPLETE,
    does: 'backs off exponentially with jitter and retries (a create carries its idempotency key)',
    sees: 'a warning on stderr; complete data, one incident per record',
  },
  {
    fault: '`500` / `502` / `503` / `504` storm (every request)',
    kinds: FIVE_XX,
    spec: STORM,
    read: { failureType: 'transient', message: /failed on GET \/v2\/incidents with HTTP 50\d.*request_id / },
    write: { failureType: 'transient', message: /with HTTP 50\d/, httpStatus: 500 },
    does: 'retries up to the retry budget, then stops the stream at the last complete page',
    sees: 'stream `incomplete` (transient, status, request_id) / `failed` results; state kept',
  },
  {
    fault: '`reset`: the connection is reset',
    kinds: ['reset'],
    spec: {},
    read: COMPLETE,
    write: COMPLETE,
    does: 'retries a GET and an idempotent create; never a plain POST',
    sees: 'a warning on stderr; complete data',
  },
  {
    fault: '`reset` storm',
    kinds: ['reset'],
    spec: STORM,
    read: {
      failureType: 'transient',
      message: /could not reach incident\.io .*reset or the answer was cut short/,
    },
    write: { failureType: 'transient', message: /reset or the answer was cut short/, code: 'ECONNRESET' },
    does: 'retries up to the retry budget',
    sees: 'stream `incomplete` / `failed` results: "the connection was reset"; state kept',
  },
  {
    fault: '`hang`: headers that never come',
    kinds: ['hang'],
    spec: {},
    read: COMPLETE,
    write: COMPLETE,
    does: 'gives up on the attempt at its deadline (`timeoutMs`) and retries',
    sees: 'a warning on stderr; complete data',
  },
  {
    fault: '`hang` storm',
    kinds: ['hang'],
    spec: STORM,
    read: { failureType: 'transient', message: /no answer from incident\.io .* within the deadline/ },
    write: { failureType: 'transient', message: /within the deadline/, code: 'deadline' },
    does: 'one deadline per attempt, up to the retry budget',
    sees: 'stream `incomplete` / `failed` results: "no answer within the deadline"; state kept',
  },
  {
    fault: '`trickle`: a body that trickles (1 byte / 200 ms)',
    kinds: ['trickle'],
    spec: {},
    read: COMPLETE,
    write: COMPLETE,
    does: "the attempt's deadline covers the body too: abandoned and retried (a replayed create returns the incident it made)",
    sees: 'a warning on stderr; complete data, one incident per record',
  },
  {
    fault: '`trickle` storm',
    kinds: ['trickle'],
    spec: STORM,
    read: { failureType: 'transient', message: /within the deadline/ },
    write: { failureType: 'transient', message: /within the deadline/, code: 'deadline' },
    does: 'one deadline per attempt, up to the retry budget',
    sees: 'stream `incomplete` / `failed` results: "no answer within the deadline"; state kept',
  },
  {
    fault: '`truncate`: a body cut short',
    kinds: ['truncate'],
    spec: {},
    read: COMPLETE,
    write: COMPLETE,
    does: 'treats it as a reset and retries (a replayed create returns the incident it made)',
    sees: 'a warning on stderr; complete data, one incident per record',
  },
  {
    fault: '`truncate` storm',
    kinds: ['truncate'],
    spec: STORM,
    read: { failureType: 'transient', message: /cut short/ },
    write: { failureType: 'transient', message: /cut short/ },
    does: 'retries up to the retry budget',
    sees: 'stream `incomplete` / `failed` results: "the answer was cut short"; state kept',
  },
  {
    fault: '`malformed_json`: a 200 whose body is not JSON',
    kinds: ['malformed_json'],
    spec: {},
    read: { failureType: 'transient', message: /body that is not JSON .*try again later/ },
    write: { failureType: 'transient', message: /not JSON/, httpStatus: 200, code: 'bad_body' },
    does: 'never takes it for data; stops the stream at the last complete page (a re-run finds a create that did happen)',
    sees: 'stream `incomplete` / a `failed` result: "a body that is not JSON … try again later"; state kept',
  },
  {
    fault: '`html`: a 200 with an HTML page (proxy, captive portal)',
    kinds: ['html'],
    spec: {},
    read: { failureType: 'transient', message: /not JSON \(text\/html/ },
    write: { failureType: 'transient', message: /not JSON \(text\/html/, httpStatus: 200, code: 'bad_body' },
    does: 'as for malformed JSON',
    sees: 'stream `incomplete` / a `failed` result naming `text/html`; state kept',
  },
  {
    fault: '`repeat_cursor`: the next-page cursor repeats',
    kinds: ['repeat_cursor'],
    spec: {},
    after: 1,
    read: { failureType: 'system', message: /returned the cursor .* twice.*state is saved/ },
    write: 'n/a',
    does: 'detects the loop instead of paging forever; stops at the last complete page',
    sees: 'stream `incomplete`: "returned the cursor … twice"; state kept',
  },
  {
    fault: '`foreign_cursor`: the API does not know the cursor (404)',
    kinds: ['foreign_cursor'],
    spec: {},
    after: 1,
    read: { failureType: 'config', message: /page cursor/ },
    write: 'n/a',
    does: 'does not retry; says the saved cursor is not recognised',
    sees: 'stream `incomplete`: "incident.io does not recognise the page cursor … reset the state"',
  },
  {
    fault: '`revoke_key`: the key is revoked mid-run (401)',
    kinds: ['revoke_key'],
    spec: {},
    read: { failureType: 'auth', message: /invalid or revoked/ },
    write: { failureType: 'auth', message: /invalid or revoked/, httpStatus: 401 },
    restore: (sim) => sim.addKey({ key: KEY, name: 'Fault matrix key', roles: ROLES }),
    does: 'stops at once (no retry); the other streams are not attempted with the dead key',
    sees: 'stream `incomplete` (auth) / `failed` results with 401: "the API key is invalid or revoked"',
  },
  {
    fault: '`forbid`: a permission withdrawn mid-run (403)',
    kinds: ['forbid'],
    spec: {},
    read: { failureType: 'permission', message: /role|scope/ },
    write: { failureType: 'permission', message: /role|scope/, httpStatus: 403 },
    does: 'stops at once (no retry); names the resource and the role the key needs',
    sees: 'stream `incomplete` (permission) / `failed` results with 403 naming the missing role',
  },
];

/** Rows that are not a fault kind of the simulator but a property of its data. */
export const DATA_ROWS = [
  {
    fault: 'timestamps with and without fractional seconds',
    does: 'parses both; cursors and partition bounds compare instants, not strings',
    sees: 'every record once; incremental reads pick up exactly what changed',
  },
];

// ---- helpers ----

interface Captured {
  logs: string[];
  logger: Logger;
}

function capture(): Captured {
  const logs: string[] = [];
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    logs.push(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
  return { logs, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } };
}

function expectNoKey(where: string, value: unknown): void {
  const text =
    typeof value === 'string'
      ? value
      : `${JSON.stringify(value)}\n${util.inspect(value, { depth: 30, showHidden: true })}`;
  expect({ where, leaked: text.includes(KEY) }).toEqual({ where, leaked: false });
}

async function withSim<T>(fn: (sim: Simulator) => Promise<T>): Promise<T> {
  const sim = await startSimulator({
    incidents: INCIDENTS,
    seed: SEED,
    size: 'small',
    bucket: false,
    keys: [{ key: KEY, name: 'Fault matrix key', roles: ROLES }],
  });
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

type ReadMode = 'flat' | 'partitioned';

interface ReadRun {
  records: string[];
  /** Records emitted before the last state (what that state covers). */
  coveredByLastState: string[];
  lastState?: StreamState;
  states: number;
  status?: Extract<SourceMessage, { type: 'stream_status' }>;
  thrown?: unknown;
  logs: string[];
}

async function readIncidents(
  sim: Simulator,
  mode: ReadMode,
  state?: StreamState,
  http = httpFor()
): Promise<ReadRun> {
  const limiters = new LimiterRegistry();
  const { logs, logger } = capture();
  const source = plugin.createSource(
    { api_key: KEY, base_url: sim.url },
    { page_sizes: { incidents: PAGE }, max_partitions: mode === 'flat' ? 1 : 4 },
    { limiters, logger, http }
  );
  const run: ReadRun = { records: [], coveredByLastState: [], states: 0, logs };
  try {
    for await (const m of source.read({
      streams: ['incidents'],
      ...(state ? { state: { incidents: state } } : {}),
    }) as AsyncIterable<SourceMessage>) {
      if (m.type === 'record') {
        run.records.push(String(m.data.id));
        continue;
      }
      expectNoKey('a source message', m);
      if (m.type === 'state') {
        run.lastState = m.state;
        run.coveredByLastState = [...run.records];
        run.states++;
      }
      if (m.type === 'stream_status' && m.status !== 'started') run.status = m;
    }
  } catch (e) {
    run.thrown = e;
  } finally {
    (source as { close?: () => void }).close?.();
    await limiters.close();
  }
  expectNoKey('the read log', logs.join('\n'));
  return run;
}

interface WriteRun {
  results: WriteResult[];
  thrown?: unknown;
  logs: string[];
}

function writeRecords(tag: string): Array<Record<string, unknown>> {
  return Array.from({ length: WRITES }, (_, i) => ({
    name: `Fault matrix ${tag} #${i}`,
    summary: `record ${i} of the ${tag} case`,
    mode: 'test',
    severity: i % 3 === 0 ? 'Minor' : 'Major',
  }));
}

async function writeIncidents(sim: Simulator, records: unknown[], http = httpFor()): Promise<WriteRun> {
  const limiters = new LimiterRegistry();
  const { logs, logger } = capture();
  const destination = plugin.createDestination(
    { api_key: KEY, base_url: sim.url },
    { action: 'create_incident' },
    { limiters, logger, http }
  );
  const run: WriteRun = { results: [], logs };
  try {
    for await (const r of destination.write(records)) run.results.push(r);
  } catch (e) {
    run.thrown = e;
  } finally {
    (destination as { close?: () => void }).close?.();
    await limiters.close();
  }
  expectNoKey('the write results', run.results);
  expectNoKey('the write log', logs.join('\n'));
  return run;
}

function duplicates(ids: string[]): number {
  return ids.length - new Set(ids).size;
}

function expectStatus(run: ReadRun, outcome: Outcome): void {
  expect(run.thrown).toBeUndefined();
  if (outcome.complete) {
    expect(run.status).toMatchObject({ status: 'complete', records: INCIDENTS });
    return;
  }
  expect(run.status).toMatchObject({ status: 'incomplete', error: { failureType: outcome.failureType } });
  expect(run.status?.error?.message).toMatch(outcome.message);
}

// ---- the expected data, read once without faults ----

// Not a beforeAll: jest starts concurrent tests without waiting for beforeAll hooks, so every case
// awaits this one read instead.
let expected: Promise<string[]> | undefined;
function expectedIds(): Promise<string[]> {
  expected ??= withSim(async (sim) => {
    const run = await readIncidents(sim, 'flat');
    expect(run.status).toMatchObject({ status: 'complete' });
    expect(run.records).toHaveLength(INCIDENTS);
    expect(duplicates(run.records)).toBe(0);
    return run.records;
  });
  return expected;
}

async function checkRead(row: FaultRow, kind: FaultKind, mode: ReadMode): Promise<void> {
  const allIds = await expectedIds();
  await withSim(async (sim) => {
    sim.addFault({ ...row.spec, kind, route: READ_ROUTE, after: row.after ?? 3 });
    const first = await readIncidents(sim, mode, undefined, httpFor(kind));
    expectStatus(first, row.read);
    // Faults never produce a record twice within one run, nor a record that does not exist.
    expect(duplicates(first.records)).toBe(0);
    for (const id of first.records) expect(allIds).toContain(id);
    if (row.read.complete) {
      expect(new Set(first.records)).toEqual(new Set(allIds));
      return;
    }
    // A clear failure: what was read before the last state is kept, and that state is a safe resume
    // point once the fault is gone.
    expect(first.states).toBeGreaterThanOrEqual(1);
    expect(first.lastState).toBeDefined();
    sim.clearFaults();
    row.restore?.(sim);
    const resumed = await readIncidents(sim, mode, first.lastState);
    expect(resumed.status).toMatchObject({ status: 'complete' });
    expect(new Set([...first.coveredByLastState, ...resumed.records])).toEqual(new Set(allIds));
    // Nothing the state covers is read again; what was emitted after it is at most one page.
    expect(resumed.records.filter((id) => first.coveredByLastState.includes(id))).toEqual([]);
    expect(first.records.length - first.coveredByLastState.length).toBeLessThanOrEqual(PAGE);
  });
}

async function checkWrite(row: FaultRow, kind: FaultKind): Promise<void> {
  await withSim(async (sim) => {
    const records = writeRecords(`${row.fault} ${kind}`);
    const keys = records.map((r) => incidentIdempotencyKey({}, r));
    if (row.write !== 'n/a')
      sim.addFault({ ...row.spec, kind, route: WRITE_ROUTE, after: row.writeAfter ?? row.after ?? 4 });
    // A cursor fault armed on every route: a write carries no cursor, so it never fires.
    else sim.addFault({ ...row.spec, kind, after: 0 });
    const first = await writeIncidents(sim, records, httpFor(kind));
    expect(first.thrown).toBeUndefined();
    // One result per record, in input order, whatever happened.
    expect(first.results.map((r) => r.index)).toEqual(records.map((_, i) => i));
    const outcome: Outcome = row.write === 'n/a' ? COMPLETE : row.write;
    if (outcome.complete) {
      expect(first.results.filter((r) => r.status !== 'ok')).toEqual([]);
      for (const k of keys) expect(sim.findIncidentsByIdempotencyKey(k)).toBe(1);
      expect(sim.stats().created.incidents).toBe(WRITES);
      return;
    }
    const failed = first.results.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(first.results.filter((r) => r.status === 'rejected')).toEqual([]);
    for (const r of failed) {
      expect(r).toMatchObject({ failureType: outcome.failureType });
      expect((r as { message: string }).message).toMatch(outcome.message);
      if (outcome.httpStatus !== undefined) {
        const status = (r as { httpStatus?: number }).httpStatus;
        if (outcome.httpStatus === 500) expect(FIVE_XX.map(Number)).toContain(status);
        else expect(status).toBe(outcome.httpStatus);
        // incident.io's request_id, whenever it sent an error body.
        if (outcome.httpStatus !== 200)
          expect((r as { requestId?: string }).requestId).toEqual(expect.any(String));
      }
      if (outcome.code !== undefined) expect(r).toMatchObject({ code: outcome.code });
    }
    // Nothing is ever created twice, even by the failed attempts.
    for (const k of keys) expect(sim.findIncidentsByIdempotencyKey(k)).toBeLessThanOrEqual(1);
    // The same input again once the fault is gone: every record ok, still one incident each.
    sim.clearFaults();
    row.restore?.(sim);
    const again = await writeIncidents(sim, records);
    expect(again.thrown).toBeUndefined();
    expect(again.results.map((r) => r.status)).toEqual(records.map(() => 'ok'));
    for (const k of keys) expect(sim.findIncidentsByIdempotencyKey(k)).toBe(1);
    expect(sim.stats().created.incidents).toBe(WRITES);
  });
}

const CASES = FAULT_TABLE.flatMap((row) =>
  row.kinds.map((kind) => ({ label: `${row.fault} [${kind}]`, row, kind }))
);

describe('fault matrix: read (incidents, flat and partitioned) and write (create_incident)', () => {
  test.concurrent.each(CASES)(
    '$label',
    async ({ row, kind }) => {
      // Each on its own simulator, at once: most of a case is waiting (Retry-After, deadlines).
      await Promise.all([
        checkRead(row, kind, 'flat'),
        checkRead(row, kind, 'partitioned'),
        checkWrite(row, kind),
      ]);
    },
    120_000
  );
});

/**
 * The secret canary (issue 7: "the canary suite covers every CLI command and every fault"): the CLI
 * commands and faults that host/canary.test.ts and host/cli-canary-faults.test.ts do not drive already. Each
 * fault as its user sees it (a storm where it can be retried, so its final error is what is printed),
 * through `read --state-file` and `write` with a result file, each case on its own simulator.
 */
const CANARY_ALREADY: Array<[FaultKind, FaultSpec['retryAfter']]> = [
  ['500', undefined],
  ['429', 'seconds'],
  ['429', 'http-date'],
  ['reset', undefined],
  ['forbid', undefined],
  ['revoke_key', undefined],
];
const CANARY_CASES = FAULT_TABLE.flatMap((row) =>
  row.kinds.map((kind) => ({ row, kind, label: `${row.fault} [${kind}]` }))
)
  .filter(({ row }) => !row.read.complete || row.kinds.length === 1)
  .filter(
    ({ row, kind }) =>
      !CANARY_ALREADY.some(([k, r]) => k === kind && (r === undefined || r === row.spec.retryAfter))
  )
  // One case per fault kind and Retry-After form: the storm when there is one.
  .filter(
    (c, i, all) =>
      all.findIndex((o) => o.kind === c.kind && o.row.spec.retryAfter === c.row.spec.retryAfter) === i
  );

describe('the canary key over the CLI', () => {
  const c = setupCanary({ incidents: 120, seed: 19 });

  test(`through every fault the canary files do not drive: ${CANARY_CASES.map((x) => x.kind).join(', ')}`, async () => {
    expect(new Set(CANARY_CASES.map((x) => x.kind))).toEqual(
      new Set(FAULT_KINDS.filter((k) => !['500', 'reset', 'forbid', 'revoke_key'].includes(k)))
    );
    const config = path.join(c.tmp, 'source-config.json');
    // Flat pages of 20: every case has pages with cursors (for the cursor faults) after the first.
    fs.writeFileSync(config, JSON.stringify({ page_sizes: { incidents: 20 }, max_partitions: 1 }));
    const one = async ({ row, kind }: (typeof CANARY_CASES)[number], i: number) => {
      const sim = await startSimulator({
        incidents: 120,
        seed: 19,
        size: 'small',
        bucket: false,
        keys: [{ key: c.key, name: 'Canary key', roles: c.roles }],
      });
      try {
        const spec = { ...row.spec, retryAfterSeconds: 0 };
        sim.addFault({ ...spec, kind, route: READ_ROUTE, after: 1 });
        if (row.write !== 'n/a') sim.addFault({ ...spec, kind, route: WRITE_ROUTE, after: 1 });
        // A short deadline only where the fault is about deadlines: elsewhere a slow machine could let
        // a deadline spend the fault on an attempt the client gave up on, and the retry would succeed.
        const timeout = String(httpFor(kind).timeoutMs);
        const env = c.env({ INCIDENT_IO_CONNECTOR_TIMEOUT_MS: timeout }, sim);
        const [read, write] = await Promise.all([
          c.run([...c.readArgs(), '--config', config], { env }),
          c.run(
            [
              'write',
              '--action',
              'create_incident',
              '--input',
              c.inputFile(),
              '--dead-letter',
              path.join(c.tmp, `dead-letter-${i}.jsonl`),
            ],
            { env, stdoutFile: path.join(c.tmp, `results-${i}.jsonl`) }
          ),
        ]);
        expect({ kind, read: read.code }).toEqual({ kind, read: row.read.complete ? 0 : 1 });
        expect({ kind, write: write.code }).toEqual({ kind, write: 1 }); // one unknown severity, one line not JSON
      } finally {
        await sim.close();
      }
    };
    // A few at a time: each case is two child processes.
    for (let k = 0; k < CANARY_CASES.length; k += 6) {
      await Promise.all(CANARY_CASES.slice(k, k + 6).map((x, j) => one(x, k + j)));
    }
  }, 180_000);

  test('through the commands the canary files do not run: spec, credentials remove, demo, simulator, read --output-dir, write --dry-run', async () => {
    await c.saveCredential('to-remove');
    const [spec, remove, demo, toFiles, dry] = await Promise.all([
      c.run(['spec'], { env: c.env() }),
      c.run(['credentials', 'remove', 'to-remove'], { env: c.storeOnly() }),
      c.run(['demo', '--incidents', '60'], { env: c.env() }),
      // Records in files (searched after the test like every other file).
      c.run(['read', '--stream', 'incidents', '--output-dir', path.join(c.tmp, 'out')], { env: c.env() }),
      c.run(['write', '--action', 'create_incident', '--dry-run', '--input', c.inputFile()], {
        env: c.env(),
      }),
    ]);
    expect([spec.code, remove.code, demo.code, toFiles.code, dry.code]).toEqual([0, 0, 0, 0, 1]);
    expect(fs.readdirSync(path.join(c.tmp, 'out')).sort()).toEqual(['incidents.jsonl', 'state.json']);
    // `simulator` serves until stopped: read its first line, stop it, search everything it printed.
    const child = spawn(process.execPath, [CLI, 'simulator', '--port', '0', '--incidents', '20'], {
      env: { ...process.env, ...c.env() } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        out.push(d);
        if (Buffer.concat(out).includes('\n')) resolve();
      })
    );
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    const first = JSON.parse(Buffer.concat(out).toString('utf8').split('\n')[0]) as { api_key: string };
    expect(first.api_key).not.toBe(c.key);
    c.expectNoLeak('stdout of simulator', Buffer.concat(out));
    c.expectNoLeak('stderr of simulator', Buffer.concat(err));
  }, 120_000);
});

describe('timestamps with and without fractional seconds', () => {
  it('the data mixes both; every record is read once and incremental reads see exactly the changes', async () => {
    await withSim(async (sim) => {
      const limiters = new LimiterRegistry();
      const source = plugin.createSource(
        { api_key: KEY, base_url: sim.url },
        { page_sizes: { incidents: PAGE }, max_partitions: 4, lookback_minutes: 0 },
        { limiters, http: httpFor() }
      );
      const allIds = await expectedIds();
      try {
        const records: Array<Record<string, unknown>> = [];
        let state: StreamState | undefined;
        for await (const m of source.read({ streams: ['incidents'] }) as AsyncIterable<SourceMessage>) {
          if (m.type === 'record') records.push(m.data);
          if (m.type === 'state') state = m.state;
        }
        const stamps = records.flatMap((r) => [String(r.created_at), String(r.updated_at)]);
        const whole = stamps.filter((s) => /:\d\dZ$/.test(s));
        const fractional = stamps.filter((s) => /\.\d+Z$/.test(s));
        expect(whole.length).toBeGreaterThan(50);
        expect(fractional.length).toBeGreaterThan(50);
        expect(whole.length + fractional.length).toBe(stamps.length);
        expect(new Set(records.map((r) => r.id))).toEqual(new Set(allIds));
        // The cursor is the newest updated_at, whichever shape it has.
        const newest = Math.max(...records.map((r) => Date.parse(String(r.updated_at))));
        expect(Date.parse(String(state?.cursor))).toBe(newest);

        const touched = sim.touchIncidents(7);
        const next: Array<Record<string, unknown>> = [];
        for await (const m of source.read({
          streams: ['incidents'],
          state: { incidents: state! },
        }) as AsyncIterable<SourceMessage>) {
          if (m.type === 'record') next.push(m.data);
        }
        const nextIds = next.map((r) => String(r.id));
        for (const id of touched) expect(nextIds).toContain(id);
        // With no lookback: the changed ones, and those stamped at the cursor's very instant.
        const others = next.filter((r) => !touched.includes(String(r.id)));
        for (const r of others) expect(Date.parse(String(r.updated_at))).toBe(newest);
        expect(duplicates(nextIds)).toBe(0);
      } finally {
        (source as { close?: () => void }).close?.();
        await limiters.close();
      }
    });
  });
});

describe('the fault table', () => {
  it('covers every fault kind of the simulator', () => {
    const covered = new Set(FAULT_TABLE.flatMap((r) => r.kinds));
    expect(FAULT_KINDS.filter((k) => !covered.has(k))).toEqual([]);
  });

  it('is the table in the README "Faults" section, row for row', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const section = /^## Faults\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    // The first cell of each body row (prettier may pad the cells; the header and rule are skipped).
    const rows = section
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .map((l) => l.split(' | ')[0].replace(/^\|/, '').trim())
      .filter((cell) => cell !== 'fault' && !/^-+$/.test(cell));
    const expected = [...FAULT_TABLE, ...DATA_ROWS].map((r) => r.fault);
    expect(rows).toEqual(expected);
    for (const kind of FAULT_KINDS) expect(section).toContain(`\`${kind}\``);
  });
});
