// --format singer: discover prints a Singer catalog; read prints SCHEMA before a stream's first RECORD,
// and each STATE holds every stream's bookmark; a catalog's selected streams are what is read.
import fs from 'node:fs';
import path from 'node:path';
import { jsonLines, runCli } from '../helpers/cli';
import { useCliSimulator } from './helpers/cli-sim';

const h = useCliSimulator({ incidents: 60, seed: 41 });
const env = () => h.env();

type Catalog = { streams: Array<Record<string, any>> };

describe('discover --format singer', () => {
  it('prints one Singer catalog: tap_stream_id, a draft-07 schema, key_properties, breadcrumb metadata', async () => {
    const r = await runCli(['--format', 'singer', 'discover'], { env: env() });
    expect(r.code).toBe(0);
    const [catalog] = jsonLines(r.stdout) as unknown as Catalog[];
    expect(jsonLines(r.stdout)).toHaveLength(1);
    const incidents = catalog.streams.find((s) => s.tap_stream_id === 'incidents')!;
    expect(incidents).toMatchObject({
      stream: 'incidents',
      key_properties: ['id'],
      schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' },
    });
    expect(incidents.metadata).toEqual([
      {
        breadcrumb: [],
        metadata: expect.objectContaining({
          inclusion: 'available',
          'forced-replication-method': 'INCREMENTAL',
          'valid-replication-keys': ['updated_at'],
        }),
      },
    ]);
    // 2020-12's $defs are draft-07's definitions, and the references follow.
    const text = JSON.stringify(catalog);
    expect(text).not.toContain('"$defs"');
    expect(text).not.toContain('#/$defs/');
  });
});

describe('read --format singer', () => {
  it('SCHEMA before each stream first RECORD; each STATE carries every bookmark, older ones kept', async () => {
    const state = path.join(h.tmp, 'state.json');
    fs.writeFileSync(state, JSON.stringify({ bookmarks: { teams: { cursor: '2020-01-01T00:00:00Z' } } }));
    const r = await runCli(
      [
        '--format',
        'singer',
        'read',
        '--stream',
        'severities',
        '--stream',
        'incident_types',
        '--state',
        state,
      ],
      { env: env() }
    );
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(new Set(lines.map((l) => l.type))).toEqual(new Set(['SCHEMA', 'RECORD', 'STATE']));
    for (const stream of ['severities', 'incident_types']) {
      const schema = lines.findIndex((l) => l.type === 'SCHEMA' && l.stream === stream);
      const record = lines.findIndex((l) => l.type === 'RECORD' && l.stream === stream);
      expect(schema).toBeGreaterThanOrEqual(0);
      expect(schema).toBeLessThan(record);
      expect(lines[schema]).toMatchObject({ key_properties: ['id'] });
    }
    const last = lines.filter((l) => l.type === 'STATE').at(-1) as {
      value: { bookmarks: Record<string, unknown> };
    };
    expect(Object.keys(last.value.bookmarks).sort()).toEqual(['incident_types', 'severities', 'teams']);
    expect(lines.filter((l) => l.type === 'RECORD' && l.stream === 'severities')).toHaveLength(
      h.sim.expectedCount('severities')
    );
  });

  it('reads the streams a Singer catalog selects, with the replication method it asks for', async () => {
    const discovered = await runCli(['--format', 'singer', 'discover'], { env: env() });
    const catalog = jsonLines(discovered.stdout)[0] as unknown as Catalog;
    for (const s of catalog.streams) {
      if (s.tap_stream_id === 'severities' || s.tap_stream_id === 'teams') {
        s.metadata[0].metadata.selected = true;
        s.metadata[0].metadata['replication-method'] = 'FULL_TABLE';
      }
    }
    const file = path.join(h.tmp, 'catalog.json');
    fs.writeFileSync(file, JSON.stringify(catalog));
    const r = await runCli(['--format', 'singer', 'read', '--catalog', file], { env: env() });
    expect(r.code).toBe(0);
    const streams = new Set(
      jsonLines(r.stdout)
        .map((l) => l.stream)
        .filter(Boolean)
    );
    expect(streams).toEqual(new Set(['severities', 'teams']));
  });

  it('--state takes back what the read printed (the STATE lines among the others)', async () => {
    const first = await runCli(['--format', 'singer', 'read', '--stream', 'incidents'], { env: env() });
    expect(first.code).toBe(0);
    const printed = path.join(h.tmp, 'printed.jsonl');
    fs.writeFileSync(printed, first.stdout);
    const again = await runCli(['--format', 'singer', 'read', '--stream', 'incidents', '--state', printed], {
      env: env(),
    });
    expect(again.code).toBe(0);
    // An incremental re-read from the cursor: only the lookback window, not the whole stream again.
    const records = jsonLines(again.stdout).filter((l) => l.type === 'RECORD');
    expect(records.length).toBeLessThan(h.sim.expectedCount('incidents'));
  });
});
