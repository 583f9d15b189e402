// --format airbyte: spec, check, discover, read and write print Airbyte protocol messages, each valid
// against definitions/AirbyteMessage of the protocol's own schema (test/fixtures/airbyte).
import fs from 'node:fs';
import path from 'node:path';
import { jsonLines, runCli } from '../helpers/cli';
import { configuredCatalogProblems, expectAirbyteMessages } from './helpers/airbyte-schema';
import { useCliSimulator } from './helpers/cli-sim';

/** A key that may read the catalog only (the incidents need a reader role). */
const CATALOG_KEY = `inc_catalog_${'ab12'.repeat(10)}`;

const h = useCliSimulator({
  incidents: 120,
  seed: 21,
  keys: [{ key: CATALOG_KEY, name: 'Catalog only', roles: ['catalog_viewer'] }],
});
/** No key in the environment: Airbyte passes it in the config. */
const env = () => h.keyless();

function file(name: string, value: unknown): string {
  const f = path.join(h.tmp, name);
  fs.writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value));
  return f;
}

const config = (extra: Record<string, unknown> = {}, key = h.sim.apiKey) =>
  file('config.json', { api_key: key, base_url: h.sim.url, ...extra });

function configuredCatalog(streams: Array<[string, 'full_refresh' | 'incremental']>) {
  const catalog = {
    streams: streams.map(([name, sync_mode]) => ({
      stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode,
      destination_sync_mode: 'append',
    })),
  };
  // Our test catalogs are what Airbyte would pass.
  expect(configuredCatalogProblems(catalog)).toEqual([]);
  return file('catalog.json', catalog);
}

const ofType = (lines: Array<Record<string, unknown>>, type: string) => lines.filter((l) => l.type === type);
const traces = (lines: Array<Record<string, unknown>>, type: string) =>
  ofType(lines, 'TRACE')
    .map((l) => l.trace as Record<string, unknown>)
    .filter((t) => t.type === type);

describe('spec', () => {
  it('is one SPEC message: the credential beside the source config, the key an airbyte_secret', async () => {
    const r = await runCli(['spec', '--format', 'airbyte'], { env: env() });
    expect(r.code).toBe(0);
    const [spec] = expectAirbyteMessages(jsonLines(r.stdout));
    expect(jsonLines(r.stdout)).toHaveLength(1);
    const cs = (spec.spec as { connectionSpecification: Record<string, any> }).connectionSpecification;
    expect(cs.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(cs.required).toContain('api_key');
    expect(cs.properties.api_key).toMatchObject({ airbyte_secret: true, writeOnly: true });
    expect(Object.keys(cs.properties)).toEqual(
      expect.arrayContaining(['api_key', 'base_url', 'start_date', 'lookback_minutes', 'page_sizes'])
    );
  });

  it('--destination: the destination config beside the credential, its dependencies in draft-07 terms', async () => {
    const r = await runCli(['spec', '--format', 'airbyte', '--destination'], { env: env() });
    expect(r.code).toBe(0);
    const [spec] = expectAirbyteMessages(jsonLines(r.stdout));
    const s = spec.spec as Record<string, any>;
    expect(s.supported_destination_sync_modes).toEqual(expect.arrayContaining(['append']));
    expect(s.connectionSpecification.required).toEqual(expect.arrayContaining(['api_key', 'action']));
    expect(s.connectionSpecification.properties.alert_source_token.airbyte_secret).toBe(true);
    expect(s.connectionSpecification.dependencies).toEqual({ alert_source_token: ['alert_source'] });
  });
});

describe('check', () => {
  it('SUCCEEDED for the key in the config', async () => {
    const r = await runCli(['check', '--format', 'airbyte', '--config', config()], { env: env() });
    expect(r.code).toBe(0);
    const lines = expectAirbyteMessages(jsonLines(r.stdout));
    expect(lines).toEqual([
      { type: 'CONNECTION_STATUS', connectionStatus: expect.objectContaining({ status: 'SUCCEEDED' }) },
    ]);
  });

  it('FAILED (exit 0, as Airbyte connectors do) for an unknown key or a bad config, never echoing the key', async () => {
    const badKey = 'inc_unknown_0123456789abcdef0123';
    const r = await runCli(['check', '--format', 'airbyte', '--config', config({}, badKey)], { env: env() });
    expect(r.code).toBe(0);
    const [status] = expectAirbyteMessages(jsonLines(r.stdout));
    expect(status.connectionStatus).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/invalid or revoked/),
    });
    expect(r.stdout + r.stderr).not.toContain(badKey);

    const bad = await runCli(['check', '--format', 'airbyte', '--config', config({ lookback_minutes: -1 })], {
      env: env(),
    });
    expect(bad.code).toBe(0);
    const [badStatus] = expectAirbyteMessages(jsonLines(bad.stdout));
    expect(badStatus.connectionStatus).toMatchObject({
      status: 'FAILED',
      message: expect.stringMatching(/lookback_minutes/),
    });
    expect(bad.stdout).not.toContain(h.sim.apiKey);
  });
});

describe('discover', () => {
  it('one CATALOG of the streams this key can read; the others are left out with a LOG saying why', async () => {
    const r = await runCli(['discover', '--format', 'airbyte', '--config', config({}, CATALOG_KEY)], {
      env: env(),
    });
    expect(r.code).toBe(0);
    const lines = expectAirbyteMessages(jsonLines(r.stdout));
    const catalogs = ofType(lines, 'CATALOG');
    expect(catalogs).toHaveLength(1);
    const streams = (catalogs[0].catalog as { streams: Array<Record<string, unknown>> }).streams;
    expect(streams.find((s) => s.name === 'catalog_entries')).toMatchObject({
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      source_defined_primary_key: [['id']],
      is_resumable: true,
    });
    const logs = ofType(lines, 'LOG').map((l) => (l.log as { message: string }).message);
    // This key cannot read the incidents (they need a reader role).
    expect(streams.map((s) => s.name)).not.toContain('incidents');
    expect(logs.some((m) => /incidents is left out of the catalog/.test(m))).toBe(true);
  });
});

describe('read', () => {
  it('RECORD, per-stream STATE, STARTED/RUNNING/COMPLETE and ESTIMATE messages, all valid', async () => {
    const r = await runCli(
      [
        'read',
        '--format',
        'airbyte',
        '--config',
        config({ page_sizes: { incidents: 25 }, max_partitions: 1 }),
        '--catalog',
        configuredCatalog([
          ['incidents', 'incremental'],
          ['severities', 'full_refresh'],
        ]),
      ],
      { env: env() }
    );
    expect(r.code).toBe(0);
    const lines = expectAirbyteMessages(jsonLines(r.stdout));
    const records = ofType(lines, 'RECORD').map((l) => l.record as Record<string, any>);
    expect(records.filter((x) => x.stream === 'incidents')).toHaveLength(h.sim.expectedCount('incidents'));
    expect(records.filter((x) => x.stream === 'severities')).toHaveLength(h.sim.expectedCount('severities'));
    expect(records.every((x) => Number.isInteger(x.emitted_at) && typeof x.data.id === 'string')).toBe(true);
    const states = ofType(lines, 'STATE').map((l) => l.state as Record<string, any>);
    expect(
      states.every((s) => s.type === 'STREAM' && typeof s.stream.stream_descriptor.name === 'string')
    ).toBe(true);
    // recordCount: the records of that stream since its previous state, all of them in all.
    const counted = states
      .filter((s) => s.stream.stream_descriptor.name === 'incidents')
      .reduce((a, s) => a + s.sourceStats.recordCount, 0);
    expect(counted).toBe(h.sim.expectedCount('incidents'));
    const statuses = traces(lines, 'STREAM_STATUS')
      .filter((t) => (t.stream_status as any).stream_descriptor.name === 'incidents')
      .map((t) => (t.stream_status as any).status);
    expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    expect(traces(lines, 'ESTIMATE')).toEqual([
      expect.objectContaining({
        estimate: { name: 'incidents', type: 'STREAM', row_estimate: h.sim.expectedCount('incidents') },
      }),
    ]);
    // The ESTIMATE comes before the stream's first record.
    const firstRecord = lines.findIndex(
      (l) => l.type === 'RECORD' && (l.record as any).stream === 'incidents'
    );
    const estimate = lines.findIndex((l) => l.type === 'TRACE' && (l.trace as any).type === 'ESTIMATE');
    expect(estimate).toBeLessThan(firstRecord);
  });

  it('a stream the key may not read: a TRACE error with its failure_type, then INCOMPLETE; exit 1', async () => {
    h.sim.addFault({ route: 'GET /v2/incidents', kind: 'forbid' });
    const r = await runCli(
      [
        'read',
        '--format',
        'airbyte',
        '--config',
        config(),
        '--catalog',
        configuredCatalog([['incidents', 'full_refresh']]),
      ],
      { env: env() }
    ).finally(() => h.sim.clearFaults());
    expect(r.code).toBe(1);
    const lines = expectAirbyteMessages(jsonLines(r.stdout));
    const [error] = traces(lines, 'ERROR');
    expect(error.error).toMatchObject({
      failure_type: 'config_error',
      stream_descriptor: { name: 'incidents' },
    });
    const statuses = traces(lines, 'STREAM_STATUS').map((t) => (t.stream_status as any).status);
    expect(statuses).toEqual(['STARTED', 'INCOMPLETE']);
  });

  it('resumes from the STATE messages it printed (a list, as Airbyte passes it)', async () => {
    const read = (...extra: string[]) =>
      runCli(
        [
          'read',
          '--format',
          'airbyte',
          '--config',
          config({ page_sizes: { incidents: 25 }, max_partitions: 1 }),
          '--catalog',
          configuredCatalog([['incidents', 'full_refresh']]),
          ...extra,
        ],
        { env: env() }
      );
    const first = await read('--limit', '60');
    expect(first.code).toBe(0);
    const firstLines = expectAirbyteMessages(jsonLines(first.stdout));
    const states = ofType(firstLines, 'STATE').map((l) => l.state);
    expect(states.length).toBeGreaterThan(0);
    const second = await read('--state', file('state.json', states));
    expect(second.code).toBe(0);
    const ids = new Set(
      [...firstLines, ...expectAirbyteMessages(jsonLines(second.stdout))]
        .filter((l) => l.type === 'RECORD')
        .map((l) => (l.record as any).data.id as string)
    );
    expect(ids.size).toBe(h.sim.expectedCount('incidents'));
    // The second run started after the last state: it did not read the first pages again.
    expect(ofType(jsonLines(second.stdout), 'RECORD').length).toBeLessThan(h.sim.expectedCount('incidents'));
  });

  it('a usage error (an unknown stream in the catalog) is a TRACE config_error on stdout too', async () => {
    const r = await runCli(
      [
        'read',
        '--format',
        'airbyte',
        '--config',
        config(),
        '--catalog',
        configuredCatalog([['incidnts', 'full_refresh']]),
      ],
      { env: env() }
    );
    expect(r.code).toBe(2);
    const [error] = expectAirbyteMessages(jsonLines(r.stdout));
    expect((error.trace as any).error).toMatchObject({
      failure_type: 'config_error',
      message: expect.stringMatching(/did you mean "incidents"/),
    });
  });
});

describe('write (an Airbyte destination)', () => {
  const record = (stream: string, data: Record<string, unknown>) => ({
    type: 'RECORD',
    record: { stream, data, emitted_at: 1700000000000 },
  });
  const state = (n: number) => ({
    type: 'STATE',
    state: {
      type: 'STREAM',
      stream: { stream_descriptor: { name: 'source_incidents' }, stream_state: { n } },
    },
  });
  /** JSON lines of the messages; a string is a line as it is. */
  const input = (...messages: unknown[]) =>
    messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join('\n') + '\n';
  const destConfig = () =>
    config({
      action: 'create_incident',
      mapping: { name: '/title', severity: { const: 'Minor' }, mode: { const: 'test' } },
    });

  it('writes each RECORD and echoes each STATE once the records before it are written', async () => {
    const r = await runCli(
      [
        'write',
        '--format',
        'airbyte',
        '--config',
        destConfig(),
        '--catalog',
        configuredCatalog([['source_incidents', 'full_refresh']]),
      ],
      {
        env: env(),
        input: input(
          state(0),
          record('source_incidents', { title: 'Airbyte one' }),
          record('source_incidents', { title: 'Airbyte two' }),
          state(2),
          { type: 'LOG', log: { level: 'INFO', message: 'from the source' } },
          record('source_incidents', { title: 'Airbyte three' }),
          state(3)
        ),
      }
    );
    expect(r.code).toBe(0);
    const lines = expectAirbyteMessages(jsonLines(r.stdout));
    const echoed = ofType(lines, 'STATE').map((l) => l.state as any);
    expect(echoed.map((s) => s.stream.stream_state.n)).toEqual([0, 2, 3]);
    expect(echoed.map((s) => s.destinationStats.recordCount)).toEqual([0, 2, 1]);
    expect(r.stderr).toMatch(/3 in, 3 ok \(3 created\), 0 rejected, 0 failed/);
  });

  it('holds back every STATE after a record that was not written; --dead-letter keeps it and goes on', async () => {
    const messages = input(
      record('source_incidents', { title: 'Held one' }),
      state(1),
      record('source_incidents', { nope: true }),
      state(2),
      record('other_stream', { title: 'Not in the catalog' }),
      'not json',
      state(3)
    );
    const args = [
      'write',
      '--format',
      'airbyte',
      '--config',
      destConfig(),
      '--catalog',
      configuredCatalog([['source_incidents', 'full_refresh']]),
    ];
    const held = await runCli(args, { env: env(), input: messages });
    expect(held.code).toBe(1);
    const lines = expectAirbyteMessages(jsonLines(held.stdout));
    expect(ofType(lines, 'STATE').map((l) => (l.state as any).stream.stream_state.n)).toEqual([1]);
    const warnings = ofType(lines, 'LOG').map((l) => (l.log as any).message as string);
    expect(warnings.some((w) => /not a stream of the configured catalog/.test(w))).toBe(true);
    expect(warnings.some((w) => /not valid JSON/.test(w))).toBe(true);
    expect(traces(lines, 'ERROR')[0].error).toMatchObject({
      message: expect.stringMatching(/2 state message\(s\) were not echoed/),
    });

    const deadLetter = path.join(h.tmp, 'dead.jsonl');
    const kept = await runCli([...args, '--dead-letter', deadLetter], { env: env(), input: messages });
    expect(kept.code).toBe(1);
    expect(
      ofType(expectAirbyteMessages(jsonLines(kept.stdout)), 'STATE').map(
        (l) => (l.state as any).stream.stream_state.n
      )
    ).toEqual([1, 2, 3]);
    expect(fs.readFileSync(deadLetter, 'utf8').trim().split('\n')).toHaveLength(3);
  });
});
