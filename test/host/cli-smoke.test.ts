// `smoke` (npm run smoke) against the simulator: read-only (the simulator sees only GETs), one table row
// per stream with its requests counted by the HTTP client, schema violations and failures with their
// request_id, streams the key's roles cannot read marked, no key → exit 2 with nothing sent, and the
// key in no output.
import { findLeaks, makeTempDir, removeTempDir, runCli, secretForms, type CliResult } from '../helpers/cli';
import plugin from '../../src/index';
import type { WriteResult } from '../../src/contract';
import { LimiterRegistry } from '../../src/http/limiter';
import { startSimulator, type Simulator } from '../../simulator/src';
import { STREAMS } from '../../src/source/streams';

let sim: Simulator;
let home: string;
const LIMITED_KEY = 'inc_smoke_limited_0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    incidents: 120,
    seed: 12,
    keys: [{ key: LIMITED_KEY, name: 'Schedules only', roles: ['schedules_reader'] }],
  });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(() => {
  home = makeTempDir('incident-io-smoke-home-');
  sim.clearFaults();
  sim.resetStats();
});
afterEach(() => removeTempDir(home));

interface Row {
  stream: string;
  requests: number;
  records: string;
  violations: string;
  requestId: string;
  result: string;
}

/** The table's rows, by stream. */
function rowsOf(r: CliResult): Map<string, Row> {
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) =>
    /^stream\s+requests\s+records\s+violations\s+request_id\s+result$/.test(l)
  );
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, Row>();
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const [stream, requests, records, violations, requestId, ...rest] = line.split(/\s{2,}/);
    rows.set(stream, {
      stream,
      requests: Number(requests),
      records,
      violations,
      requestId,
      result: rest.join('  '),
    });
  }
  return rows;
}

/** Requests the header lines (probe, discover) report. */
function headerRequests(r: CliResult): number {
  return [...r.stdout.matchAll(/^(?:probe|discover)\s+(\d+) requests?/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0
  );
}

async function smoke(env: Record<string, string | undefined>, args: string[] = []): Promise<CliResult> {
  const r = await runCli([...args, 'smoke'], {
    env: {
      INCIDENT_IO_CONNECTOR_HOME: home,
      INCIDENT_IO_CONNECTOR_MAX_RETRIES: '1',
      INCIDENT_IO_CONNECTOR_BACKOFF_MS: '20',
      ...env,
    },
    timeoutMs: 60_000,
  });
  expect(r.signal).toBeNull();
  // Whatever happened, the key is in no output.
  for (const key of [sim.apiKey, LIMITED_KEY]) {
    expect(findLeaks(r.stdoutBytes, secretForms(key))).toEqual([]);
    expect(findLeaks(r.stderrBytes, secretForms(key))).toEqual([]);
  }
  return r;
}

const withKey = (key: string) => ({ INCIDENT_IO_API_KEY: key, INCIDENT_IO_BASE_URL: sim.url });

function expectOnlyGets(): void {
  const stats = sim.stats();
  expect(Object.keys(stats.byRoute).filter((route) => !route.startsWith('GET '))).toEqual([]);
  expect(stats.invalidRequests).toEqual([]);
}

describe('npm run smoke', () => {
  it("with the simulator's key: every stream read, 0 schema violations, only GETs, requests as counted", async () => {
    const r = await smoke(withKey(sim.apiKey));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = rowsOf(r);
    expect([...rows.keys()]).toEqual(STREAMS.map((s) => s.name));
    for (const row of rows.values()) {
      expect(row).toMatchObject({ violations: '0', requestId: '-', result: 'ok' });
      // One page; a child stream's parent page and the first page of its first parent's children.
      const child = STREAMS.find((s) => s.name === row.stream)!.parent !== undefined;
      expect([row.stream, row.requests]).toEqual([row.stream, child ? 2 : 1]);
    }
    expect(Number(rows.get('incidents')!.records)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(
      /36 streams: 36 read \(36 valid, 0 with schema violations\), 0 failed, 0 not readable/
    );
    // The counts come from the client: they add up to what the simulator received.
    const counted = headerRequests(r) + [...rows.values()].reduce((n, row) => n + row.requests, 0);
    expect(counted).toBe(sim.stats().requests);
    expect(r.stdout).toContain(`${counted} requests sent (${counted} GET)`);
    expectOnlyGets();
  });

  it('with a saved credential (--credential NAME) instead of the environment', async () => {
    const add = await runCli(['credentials', 'add', '--name', 'prod'], {
      env: { INCIDENT_IO_CONNECTOR_HOME: home, ...withKey(sim.apiKey) },
    });
    expect(add.code).toBe(0);
    sim.resetStats();
    const r = await smoke({ INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: undefined }, [
      '--credential',
      'prod',
    ]);
    expect(r.code).toBe(0);
    expect(rowsOf(r).size).toBe(STREAMS.length);
    expectOnlyGets();
  });

  it('with a key lacking roles: the streams it cannot read are marked and not requested', async () => {
    const r = await smoke(withKey(LIMITED_KEY));
    expect(r.code).toBe(0);
    const rows = rowsOf(r);
    const readable = ['schedules', 'schedule_entries', 'schedule_overrides'];
    for (const row of rows.values()) {
      if (readable.includes(row.stream)) {
        expect(row).toMatchObject({ violations: '0', result: 'ok' });
      } else {
        expect(row).toMatchObject({ requests: 0, records: '-', violations: '-' });
        expect(row.result).toMatch(/^not readable: the key has none of the roles that can read /);
      }
    }
    expect(r.stdout).toMatch(
      /36 streams: 3 read \(3 valid, 0 with schema violations\), 0 failed, 33 not readable/
    );
    expect(Object.keys(sim.stats().byRoute).sort()).toEqual([
      'GET /v1/identity',
      'GET /v2/schedule_entries',
      'GET /v2/schedule_overrides',
      'GET /v2/schedules',
    ]);
    expectOnlyGets();
  });

  it('reports a schema violation with its path, and a failure with its request_id; exit 1', async () => {
    const severities = sim.resources().get('severities')!;
    const [victim] = severities.all();
    // incident.io answering a shape our schema does not allow: a severity without its name.
    severities.update(victim.id, (current) => {
      const { name: _name, ...rest } = current as typeof current & { name?: string };
      return rest as typeof current;
    });
    sim.addFault({ route: 'GET /v2/workflow_runs', kind: 'forbid' });
    try {
      const r = await smoke(withKey(sim.apiKey));
      expect(r.code).toBe(1);
      const rows = rowsOf(r);
      expect(rows.get('severities')).toMatchObject({ violations: '1', requestId: '-' });
      expect(rows.get('severities')!.result).toBe(`schema: record ${victim.id}: /name is required`);
      const failed = rows.get('workflow_runs')!;
      expect(failed.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(failed.result).toMatch(/^failed \(permission\): /);
      expect(failed.result).toContain(`request_id ${failed.requestId}`);
      expect(r.stdout).toMatch(
        /36 streams: 35 read \(34 valid, 1 with schema violations\), 1 failed, 0 not readable/
      );
      expectOnlyGets();
    } finally {
      severities.update(victim.id, () => victim);
    }
  });

  it('without a key: says how to give one, exits 2 and sends nothing', async () => {
    const r = await smoke({ INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: sim.url });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--credential NAME');
    expect(r.stderr).toContain('INCIDENT_IO_API_KEY');
    expect(r.stderr).toContain('Nothing was sent.');
    expect(sim.stats().requests).toBe(0);
  });

  it('with a key incident.io refuses: the probe fails, nothing else is sent, exit 1', async () => {
    const r = await smoke(withKey('inc_smoke_unknown_key_00000000000000000000'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^probe\s+1 request\s+failed \(invalid_key\): /m);
    expect(sim.stats().requests).toBe(1);
    expect(Object.keys(sim.stats().byRoute)).toEqual(['GET /v1/identity']);
  });
});

describe('the read-only context the smoke test runs in', () => {
  it("refuses a destination's writes before they are sent: every record fails, the simulator sees no request", async () => {
    const limiters = new LimiterRegistry();
    const severity = String(sim.resources().get('severities')!.all()[0].name);
    try {
      const destination = plugin.createDestination(
        { api_key: sim.apiKey, base_url: sim.url },
        { action: 'create_incident' },
        { limiters, http: { readOnly: true } }
      );
      async function* input() {
        yield { name: 'Read-only canary', severity, mode: 'test' };
      }
      const results: WriteResult[] = [];
      for await (const r of destination.write(input())) results.push(r);
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ status: 'failed' }); // not rejected: the record itself is fine
      expect(JSON.stringify(results[0])).toContain('read-only');
      expect(Object.keys(sim.stats().byRoute).filter((r) => !r.startsWith('GET '))).toEqual([]);
      expect(sim.incidentCount()).toBe(120);
    } finally {
      await limiters.close();
    }
  });
});
