// The CLI end to end: the built `dist/host/cli.js` in a child process against an in-process simulator,
// with a fresh INCIDENT_IO_CONNECTOR_HOME per test so nothing touches ~/.config.
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, Simulator } from '../../simulator/src';
import { FAST_HTTP_ENV, jsonLines, makeTempDir, removeTempDir, runCli } from '../helpers/cli';

let sim: Simulator;
let home: string;
let tmp: string;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, incidents: 300, seed: 11 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  home = makeTempDir('incident-io-cli-home-');
  tmp = makeTempDir('incident-io-cli-tmp-');
});
afterEach(() => {
  removeTempDir(home);
  removeTempDir(tmp);
});

/** The environment of every run: the simulator's key unless overridden, and this test's store. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ...FAST_HTTP_ENV,
    INCIDENT_IO_CONNECTOR_HOME: home,
    INCIDENT_IO_API_KEY: sim.apiKey,
    INCIDENT_IO_BASE_URL: sim.url,
    INCIDENT_IO_CONNECTOR_DEBUG: undefined,
    ...extra,
  };
}

const records = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.type === 'record');
const states = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.type === 'state');

describe('spec, check, discover', () => {
  it('spec prints the manifest and the config schemas as JSON', async () => {
    const r = await runCli(['spec'], { env: env() });
    expect(r.code).toBe(0);
    const spec = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(spec.manifest.id).toBe('incident_io_api');
    expect(Object.keys(spec).sort()).toEqual(['credential', 'destination', 'manifest', 'source']);
    for (const k of ['credential', 'source', 'destination']) expect(spec[k].type).toBe('object');
    const props = spec.credential.properties as Record<string, Record<string, unknown>>;
    expect(props.api_key).toMatchObject({ writeOnly: true, 'x-secret': true });
  });

  it('check prints one JSON object with ok: true and exits 0', async () => {
    const r = await runCli(['check', '--action', 'create_incident', '--stream', 'incidents'], { env: env() });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ ok: true, identity: { name: 'Simulator default key' } });
  });

  it('check exits 1 with ok: false and invalid_key for an unknown key', async () => {
    const r = await runCli(['check'], { env: env({ INCIDENT_IO_API_KEY: 'inc_unknown_0123456789abcdef' }) });
    expect(r.code).toBe(1);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ ok: false, failure: 'invalid_key' });
    expect(r.stderr).toMatch(/invalid or revoked/);
  });

  it('discover lists the incidents stream', async () => {
    const r = await runCli(['discover'], { env: env() });
    expect(r.code).toBe(0);
    const streams = jsonLines(r.stdout);
    expect(streams.every((s) => s.type === 'stream')).toBe(true);
    const incidents = streams.find((s) => s.name === 'incidents');
    expect(incidents).toMatchObject({
      primaryKey: [['id']],
      cursorField: ['updated_at'],
      supportedSyncModes: expect.arrayContaining(['full_refresh', 'incremental']),
    });
    expect(incidents?.unavailable).toBeUndefined();
  });
});

describe('read', () => {
  it('prints every incident of every mode and status category, with states', async () => {
    const r = await runCli(['read', '--stream', 'incidents'], { env: env() });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const recs = records(lines);
    for (const rec of recs) {
      expect(rec.stream).toBe('incidents');
      expect(rec.data).toEqual(expect.objectContaining({ id: expect.any(String) }));
    }
    expect(recs).toHaveLength(sim.incidentCount());
    const ids = new Set(recs.map((rec) => (rec.data as { id: string }).id));
    expect(ids.size).toBe(sim.incidentCount());
    const modes = new Set(recs.map((rec) => (rec.data as { mode: string }).mode));
    const categories = new Set(
      recs.map((rec) => (rec.data as { incident_status: { category: string } }).incident_status.category)
    );
    expect([...modes].sort()).toEqual(['retrospective', 'standard', 'test', 'tutorial']);
    for (const c of ['triage', 'live', 'closed', 'declined', 'canceled', 'merged'])
      expect(categories).toContain(c);
    expect(states(lines).length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatchObject({ type: 'stream_status', status: 'complete', records: recs.length });
    expect(r.stderr).toMatch(new RegExp(`read ${recs.length} records`));
  });

  it('--limit 10 stops after 10 records', async () => {
    const r = await runCli(['read', '--stream', 'incidents', '--limit', '10'], { env: env() });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(records(lines)).toHaveLength(10);
    expect(lines.at(-1)).toMatchObject({ type: 'stream_status', status: 'complete', records: 10 });
  });

  it('--limit stops without retrying or warning about requests it no longer needs', async () => {
    // Stopping early is not a failure: requests still in flight (prefetched pages, other partitions)
    // are cancelled, not reported as connection resets and retried after the source is closed.
    const r = await runCli(['read', '--stream', 'incidents', '--limit', '3'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\[warn\]|retrying/);
  });

  it('--state-file saves the latest state; resuming from a mid-scan state loses no record', async () => {
    const stateFile = path.join(tmp, 'incidents.state.json');
    const r = await runCli(['read', '--stream', 'incidents', '--state-file', stateFile], { env: env() });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const all = states(lines);
    const saved = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { streams: Record<string, unknown> };
    expect(saved.streams.incidents).toEqual(all.at(-1)?.state);
    expect(fs.statSync(stateFile).mode & 0o777).toBe(0o600);

    // Resume from the first state (taken mid-read): together with the records printed before it, the
    // resumed read covers every incident (it may re-read some; it may not lose any).
    const first = all[0];
    expect(all.length).toBeGreaterThanOrEqual(2);
    const cut = lines.indexOf(first);
    const before = records(lines.slice(0, cut)).map((rec) => (rec.data as { id: string }).id);
    expect(before.length).toBeLessThan(sim.incidentCount());
    const resumeFile = path.join(tmp, 'resume.state.json');
    fs.writeFileSync(resumeFile, JSON.stringify({ streams: { incidents: first.state } }));
    const again = await runCli(['read', '--stream', 'incidents', '--state-file', resumeFile], { env: env() });
    expect(again.code).toBe(0);
    const after = records(jsonLines(again.stdout)).map((rec) => (rec.data as { id: string }).id);
    expect(after.length).toBeLessThan(sim.incidentCount());
    expect(new Set([...before, ...after]).size).toBe(sim.incidentCount());
  });
});

describe('write', () => {
  it('one result per input line in order; a replay creates nothing new', async () => {
    const tag = `cli-e2e-${Date.now()}`;
    const input =
      [
        JSON.stringify({ name: `${tag} checkout down`, severity: 'Major', status: 'Investigating' }),
        JSON.stringify({ name: `${tag} login slow`, severity: 'Minor', visibility: 'public' }),
        JSON.stringify({ name: `${tag} test incident`, severity: 'Minor', mode: 'test' }),
        '{"name": "not json",',
        JSON.stringify({ name: `${tag} unknown severity`, severity: 'Apocalyptic' }),
      ].join('\n') + '\n';
    const inputFile = path.join(tmp, 'in.jsonl');
    fs.writeFileSync(inputFile, input);
    const created0 = sim.stats().created.incidents;

    const r = await runCli(['write', '--action', 'create_incident', '--input', inputFile], { env: env() });
    expect(r.code).toBe(1);
    const results = jsonLines(r.stdout);
    expect(results).toHaveLength(5);
    expect(results.map((x) => x.type)).toEqual(Array(5).fill('result'));
    expect(results.map((x) => x.index)).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'rejected', 'rejected']);
    expect(results.slice(0, 3).map((x) => x.outcome)).toEqual(['created', 'created', 'created']);
    expect(results[3].problems).toEqual([{ field: '/', reason: expect.stringMatching(/not valid JSON/) }]);
    expect(results[4].problems).toEqual([
      { field: '/severity', reason: expect.stringMatching(/Apocalyptic/) },
    ]);
    expect(sim.stats().created.incidents - created0).toBe(3);
    expect(r.stderr).toMatch(/5 in, 3 ok .*2 rejected, 0 failed/);

    // The same input again, from stdin this time: nothing new, the same ids, "existing".
    const again = await runCli(['write', '--action', 'create_incident'], { env: env(), input });
    expect(again.code).toBe(1);
    const replay = jsonLines(again.stdout);
    expect(replay.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'rejected', 'rejected']);
    expect(replay.slice(0, 3).map((x) => x.outcome)).toEqual(['existing', 'existing', 'existing']);
    expect(replay.slice(0, 3).map((x) => x.id)).toEqual(results.slice(0, 3).map((x) => x.id));
    expect(sim.stats().created.incidents - created0).toBe(3);
  });
});

describe('usage errors', () => {
  const cases: Array<[string, string[]]> = [
    ['an unknown command', ['frobnicate']],
    ['read without --stream', ['read']],
    ['a non-numeric --limit', ['read', '--stream', 'incidents', '--limit', 'ten']],
    ['a negative --limit', ['read', '--stream', 'incidents', '--limit', '-1']],
    ['an unknown --sync-mode', ['read', '--stream', 'incidents', '--sync-mode', 'sometimes']],
    ['write without --action', ['write']],
    ['an unknown --credential on read', ['--credential', 'nope', 'read', '--stream', 'incidents']],
    ['an unknown --credential on check', ['--credential', 'nope', 'check']],
    ['credentials test of an unknown name', ['credentials', 'test', 'nope']],
  ];

  it('exit 2, print no data and say what is wrong', async () => {
    const notJson = path.join(tmp, 'not-json.state');
    fs.writeFileSync(notJson, 'this is not JSON');
    const badConfig = path.join(tmp, 'config.json');
    fs.writeFileSync(badConfig, JSON.stringify({ page_sizes: { incidents: 'many' }, colour: 'red' }));
    cases.push(
      ['a state file that is not JSON', ['read', '--stream', 'incidents', '--state-file', notJson]],
      ['a source config that does not validate', ['read', '--stream', 'incidents', '--config', badConfig]],
      ['an unknown stream', ['read', '--stream', 'nope']],
      ['an unknown action', ['write', '--action', 'delete_everything']]
    );
    // Independent runs: at once, to keep the file fast.
    const results = await Promise.all(cases.map(([, args]) => runCli(args, { env: env() })));
    const seen = results.map((r, i) => ({
      what: cases[i][0],
      code: r.code,
      stdout: r.stdout,
      saysError: /error/.test(r.stderr),
    }));
    expect(seen).toEqual(cases.map(([what]) => ({ what, code: 2, stdout: '', saysError: true })));
  });

  it('no key at all exits 2 and names INCIDENT_IO_API_KEY', async () => {
    const r = await runCli(['check'], { env: env({ INCIDENT_IO_API_KEY: undefined }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INCIDENT_IO_API_KEY/);
  });
});
