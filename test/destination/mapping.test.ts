// Mapping records of any shape to an action's input (pointers, constants, templates), dry runs, the
// reserved dead-letter field, and the probe's warnings about roles for the chosen action.
import fs from 'node:fs';
import path from 'node:path';
import plugin, { ACTIONS } from '../../src';
import type { Simulator } from '../../simulator/src';
import { writeRolesOf } from '../../src/roles';
import {
  fields,
  Harness,
  ids,
  liveIncidentIds,
  outcomes,
  READER_KEY,
  startWriteSimulator,
  statuses,
  WRITER_KEY,
} from './helpers';

let sim: Simulator;
let h: Harness;

beforeAll(async () => {
  sim = await startWriteSimulator({ seed: 13 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  h = new Harness(sim);
  sim.resetStats();
});
afterEach(async () => {
  await h.close();
  expect(sim.stats().invalidRequests).toEqual([]);
});

const db = () => sim.resources();
const incidentNamed = (name: string) => {
  const store = db().incidents;
  for (let i = store.count() - 1; i >= 0; i--) {
    const r = store.render(i) as {
      name: string;
      severity?: { name: string };
      visibility: string;
      mode: string;
    };
    if (r.name === name) return r;
  }
  return undefined;
};

describe('mapping', () => {
  const mapping = {
    name: '{{service.name}} is down ({{/check/id}})',
    summary: '/details/text',
    severity: '/sev',
    visibility: { const: 'private' },
    mode: { const: 'test' },
    '/custom_fields/Affected Team': '/team',
  };

  it('maps pointers, constants and templates (dotted paths and pointers) from any record shape', async () => {
    const records = [
      {
        service: { name: 'Checkout' },
        check: { id: 7 },
        sev: 'Major',
        details: { text: 'p99 > 2s' },
        team: 'Payments',
      },
      { service: { name: 'Search' }, check: { id: 'c-9' }, sev: 'minor', team: 'Data', extra: 'ignored' },
    ];
    const results = await h.write({ action: 'create_incident', mapping }, records);
    expect(outcomes(results)).toEqual(['created', 'created']);
    expect(incidentNamed('Checkout is down (7)')).toMatchObject({
      severity: { name: 'Major' },
      visibility: 'private',
      mode: 'test',
      summary: 'p99 > 2s',
    });
    expect(incidentNamed('Search is down (c-9)')).toMatchObject({ severity: { name: 'Minor' } });
    // The idempotency key hashes the mapped input: the same records map to the same incidents.
    const again = await h.write({ action: 'create_incident', mapping }, records);
    expect(outcomes(again)).toEqual(['existing', 'existing']);
    expect(ids(again)).toEqual(ids(results));
  });

  it('rejects a record the mapping cannot fill, naming the input field and where it looked', async () => {
    const results = await h.write({ action: 'create_incident', mapping }, [
      { check: { id: 1 }, sev: 'Major' },
      { service: { name: 'API' }, check: { id: 2 }, sev: 'Huge', team: 'Legal' },
      { service: { name: 'API' }, check: { id: 3 }, sev: 4 },
    ]);
    expect(statuses(results)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(fields(results[0])).toEqual(['/name']);
    expect((results[0] as { message: string }).message).toMatch(/needs \{\{service\.name\}\}/);
    expect(fields(results[1])).toEqual(['/custom_fields/Affected Team', '/severity']);
    expect(fields(results[2])).toEqual(['/severity']);
    const required = await h.write(
      { action: 'create_action', mapping: { incident_id: '/incident/id', description: '/text' } },
      [{ text: 'x' }]
    );
    expect(required[0]).toMatchObject({
      status: 'rejected',
      problems: [
        {
          field: '/incident_id',
          reason: "is required (mapped from the record's /incident/id, which the record does not have)",
        },
      ],
    });
    expect(h.count('POST /v2/incidents') + h.count('POST /v2/actions')).toBe(0);
  });

  it('maps into nested inputs and takes records as they are without a mapping', async () => {
    const results = await h.write(
      {
        action: 'upsert_catalog_entries',
        mapping: {
          catalog_type: { const: 'Region' },
          external_id: '/code',
          name: '{{label}}',
          '/attributes/Provider': '/cloud',
        },
      },
      [{ code: 'sa-east', label: 'São Paulo', cloud: 'aws' }]
    );
    expect(outcomes(results)).toEqual(['created']);
    const asIs = await h.write({ action: 'upsert_catalog_entries' }, [
      { catalog_type: 'Region', external_id: 'sa-east', name: 'São Paulo', attributes: { Provider: 'aws' } },
    ]);
    expect(outcomes(asIs)).toEqual(['unchanged']);
  });

  it('refuses a mapping it cannot apply, listing every bad entry', () => {
    const credential = plugin.validateCredential({ api_key: WRITER_KEY, base_url: sim.url });
    expect(() =>
      plugin.createDestination(credential, {
        action: 'create_incident',
        mapping: { name: 'plain words', summary: '{{ has space }}', severity: '/ok', mode: { value: 1 } },
      })
    ).toThrow(
      expect.objectContaining({
        failureType: 'config',
        problems: expect.arrayContaining([expect.objectContaining({ field: '/mapping/mode' })]),
      })
    );
    expect(() =>
      plugin.createDestination(credential, {
        action: 'create_incident',
        mapping: { name: 'plain words', summary: '{{a b}}' },
      })
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ field: '/mapping/name' }),
          expect.objectContaining({ field: '/mapping/summary' }),
        ],
      })
    );
  });
});

describe('dry run', () => {
  it('validates and resolves, sends no write, and reports each request', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const before = db().incidents.count();
    const results = await h.write(
      { action: 'create_incident' },
      [
        { name: 'Dry', severity: 'Major' },
        { name: 'x', severity: 'Nope' },
      ],
      {
        dryRun: true,
      }
    );
    expect(results[0]).toMatchObject({
      status: 'ok',
      outcome: 'would_create',
      dryRun: true,
      request: {
        method: 'POST',
        path: '/v2/incidents',
        body: { name: 'Dry', idempotency_key: expect.stringMatching(/^iic-/) },
      },
    });
    // A dry run names no id for an object that does not exist yet.
    expect(results[0]).not.toHaveProperty('id');
    expect(fields(results[1])).toEqual(['/severity']);
    expect(db().incidents.count()).toBe(before);

    const follow = await h.write({ action: 'create_follow_up', dry_run: true }, [
      { incident_id: a, title: 'Dry follow-up' },
      { incident_id: a, title: 'Dry follow-up' },
    ]);
    expect(outcomes(follow)).toEqual(['would_create', 'existing']);
    const edit = await h.write({ action: 'update_incident', dry_run: true }, [
      { incident_id: a, name: 'Renamed' },
    ]);
    expect(edit[0]).toMatchObject({
      id: a,
      outcome: 'would_update',
      request: { path: `/v2/incidents/${a}/actions/edit` },
    });
    const writes = Object.entries(sim.stats().byRoute).filter(([route]) => !route.startsWith('GET '));
    expect(writes).toEqual([]);
  });
});

describe('the dead-letter field', () => {
  it('is ignored on input, so a fed-back record is the same record', async () => {
    const record = { name: 'Dead letter replay', severity: 'Minor' };
    const first = await h.write({ action: 'create_incident' }, [record]);
    const again = await h.write({ action: 'create_incident' }, [
      { ...record, _dead_letter: { status: 'failed', message: 'HTTP 503' } },
    ]);
    expect(outcomes(again)).toEqual(['existing']);
    expect(ids(again)).toEqual(ids(first));
  });
});

describe('authenticate() with a destination config', () => {
  it('warns when the key lacks a role for the action, for every action', async () => {
    const reader = plugin.validateCredential({ api_key: READER_KEY, base_url: sim.url });
    const writer = plugin.validateCredential({ api_key: WRITER_KEY, base_url: sim.url });
    for (const action of ACTIONS) {
      expect(writeRolesOf(action).length).toBeGreaterThan(0);
      const weak = await plugin.authenticate(
        reader,
        { limiters: h.limiters },
        { destination: { action: action.name } }
      );
      const strong = await plugin.authenticate(
        writer,
        { limiters: h.limiters },
        { destination: { action: action.name } }
      );
      expect(strong).toMatchObject({ ok: true, warnings: [] });
      if (writeRolesOf(action).includes('viewer')) expect(weak).toMatchObject({ ok: true, warnings: [] });
      else {
        expect(weak.ok && weak.warnings).toEqual([
          expect.stringContaining(`lacks a role to run ${action.name}`),
        ]);
      }
    }
  });
});

describe('README', () => {
  it('documents every action with an example record and its idempotency', () => {
    const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Actions'),
      readme.indexOf('\n## ', readme.indexOf('## Actions') + 5)
    );
    for (const action of ACTIONS) {
      expect(section).toMatch(new RegExp(`\\|\\s*\`${action.name}\`\\s*\\|`));
      const sub = section.indexOf(`### ${action.name}\n`);
      expect({ action: action.name, documented: sub >= 0 }).toEqual({
        action: action.name,
        documented: true,
      });
      const end = section.indexOf('\n### ', sub + 4);
      const body = section.slice(sub, end < 0 ? undefined : end);
      expect(body).toContain('```json');
    }
  });
});
