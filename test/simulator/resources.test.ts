// The simulator's resources: every list and show route answers what the official spec says (checked
// with an independent reading of the spec), with its paging, required parameters, filters and default
// hiding; the seeded data is deterministic and consistent; and the store API that write routes build on
// (collections: insert, update with updated_at bump, delete, stable cursor paging, touch) behaves.
import fs from 'fs';
import path from 'path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/src';
import { CATALOG_TYPE_IDS, CUSTOM_FIELDS } from '../../simulator/src/config';
import { Collection, SimClock } from '../../simulator/src/resources/collection';

const spec = JSON.parse(fs.readFileSync(path.join(__dirname, '../../spec/openapi.json'), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'spec.json', components: spec.components });
const validators = new Map<string, ValidateFunction>();

function expectSpecValid(route: string, body: unknown): void {
  const [method, p] = route.split(' ');
  const responses = spec.paths[p][method.toLowerCase()].responses as Record<string, any>;
  const code = Object.keys(responses).find((c) => /^20[0-2]$/.test(c))!;
  let v = validators.get(route);
  if (!v) {
    v = ajv.compile({ $ref: 'spec.json' + responses[code].content['application/json'].schema.$ref });
    validators.set(route, v);
  }
  if (!v(body)) throw new Error(`${route} response is not valid: ${ajv.errorsText(v.errors)}`);
}

interface Res {
  status: number;
  body: any;
}

async function get(sim: Simulator, pathAndQuery: string): Promise<Res> {
  const res = await fetch(sim.url + pathAndQuery, { headers: { authorization: `Bearer ${sim.apiKey}` } });
  return { status: res.status, body: await res.json() };
}

/** Every record of a list, following pagination_meta.after; each page checked against the spec. */
async function getAll(sim: Simulator, p: string, field: string, query = ''): Promise<any[]> {
  const route = `GET ${p}`;
  const out: any[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const q = [query, after ? `after=${encodeURIComponent(after)}` : ''].filter(Boolean).join('&');
    const r = await get(sim, `${p}${q ? `?${q}` : ''}`);
    if (r.status !== 200) throw new Error(`${route}?${q}: ${r.status} ${JSON.stringify(r.body)}`);
    expectSpecValid(route, r.body);
    let records: unknown = r.body;
    for (const k of field.split('.')) records = (records as Record<string, unknown>)[k];
    out.push(...(records as any[]));
    after = r.body.pagination_meta?.after;
    if (!after) return out;
  }
  throw new Error('paging never ended');
}

const sims: Simulator[] = [];
async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ incidents: 60, seed: 5, size: 'small', bucket: false, ...opts });
  sims.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

let s: Simulator;
beforeAll(async () => {
  s = await sim();
});

const ids = (records: Array<{ id: string }>) => records.map((r) => r.id);

describe('simulator resources: every list and show route against the spec', () => {
  test('flat lists: complete with the API-defeating parameters, spec-valid on every page', async () => {
    const db = s.resources();
    const cases: Array<[string, string, string, number]> = [
      ['/v2/incident_updates', 'incident_updates', 'page_size=7', db.incident_updates.size],
      ['/v2/alerts', 'alerts', 'page_size=13', db.alerts.size],
      ['/v2/alert_sources', 'alert_sources', '', db.alert_sources.size],
      ['/v2/alert_attributes', 'alert_attributes', '', db.alert_attributes.size],
      ['/v2/alert_routes', 'alert_routes', 'page_size=3', db.alert_routes.size],
      ['/v2/escalations', 'escalations', 'page_size=10', db.escalations.size],
      ['/v2/escalation_paths', 'escalation_paths', 'page_size=3', db.escalation_paths.size],
      ['/v2/schedules', 'schedules', 'page_size=2', db.schedules.size],
      ['/v1/maintenance_windows', 'maintenance_windows', 'page_size=2', db.maintenance_windows.size],
      ['/v2/workflow_runs', 'workflow_runs', 'page_size=20', s.expectedCount('workflow_runs')],
      ['/v1/severities', 'severities', '', 3],
      ['/v1/incident_statuses', 'incident_statuses', '', 10],
      ['/v1/incident_types', 'incident_types', '', 3],
      ['/v2/incident_roles', 'incident_roles', '', 2],
      ['/v2/incident_timestamps', 'incident_timestamps', '', 2],
      ['/v2/custom_fields', 'custom_fields', '', CUSTOM_FIELDS.length],
      ['/v2/workflows', 'workflows', '', db.workflows.size],
      ['/v3/catalog_types', 'catalog_types', '', db.catalog_types.size],
      ['/v3/catalog_resources', 'resources', '', db.catalog_resources.size],
      ['/v2/users', 'users', 'page_size=7&include_inactive=true', db.users.size],
      ['/v3/teams', 'teams', 'page_size=2', db.teams.size],
      ['/v2/status_pages', 'status_pages', 'page_size=1', db.status_pages.size],
    ];
    for (const [p, field, query, expected] of cases) {
      const all = await getAll(s, p, field, query);
      expect([p, all.length]).toEqual([p, expected]);
      expect(all.length).toBeGreaterThan(0);
      if (all[0].id !== undefined) expect(new Set(ids(all)).size).toBe(all.length);
    }
    // Records carry no simulator bookkeeping fields.
    const sample = await getAll(s, '/v2/users', 'users', 'page_size=500&include_inactive=true');
    expect(Object.keys(sample[0]).some((k) => k.startsWith('_'))).toBe(false);
    expect(s.stats().invalidRequests).toEqual([]);
  });

  test('per-parent lists: relationships, participants, alerts, attachments, documents, options, entries, overrides', async () => {
    const db = s.resources();
    const deleted = new Set(s.deletedIncidentIds());
    const incidents = await getAll(
      s,
      '/v2/incidents',
      'incidents',
      'page_size=250&mode[one_of]=standard&mode[one_of]=retrospective&mode[one_of]=test&mode[one_of]=tutorial&' +
        ['triage', 'live', 'learning', 'paused', 'closed', 'declined', 'canceled', 'merged']
          .map((c) => `status_category[one_of]=${c}`)
          .join('&')
    );
    expect(incidents).toHaveLength(60);
    const totals: Record<string, number> = {};
    const add = (k: string, n: number) => (totals[k] = (totals[k] ?? 0) + n);
    for (const inc of incidents) {
      if (deleted.has(inc.id)) continue;
      const q = `incident_id=${inc.id}`;
      add(
        'incident_relationships',
        (await getAll(s, '/v1/incident_relationships', 'incident_relationships', `${q}&page_size=1`)).length
      );
      add(
        'incident_alerts',
        (await getAll(s, '/v2/incident_alerts', 'incident_alerts', `${q}&page_size=1`)).length
      );
      add(
        'postmortem_documents',
        (await getAll(s, '/v1/postmortem_documents', 'postmortem_documents', q)).length
      );
      add(
        'incident_attachments',
        (await getAll(s, '/v1/incident_attachments', 'incident_attachments', q)).length
      );
      const p = await get(s, `/v2/incident_participants?${q}`);
      expectSpecValid('GET /v2/incident_participants', p.body);
      add(
        'incident_participants',
        p.body.incident_participants.active.length + p.body.incident_participants.passive.length
      );
      expect(p.body.incident_participants.active.length).toBeGreaterThan(0);
    }
    for (const k of Object.keys(totals)) expect([k, totals[k]]).toEqual([k, s.expectedCount(k as never)]);
    expect(totals.incident_relationships).toBeGreaterThan(0);
    expect(totals.incident_alerts).toBeGreaterThan(0);

    let options = 0;
    for (const f of db.custom_fields.all()) {
      options += (
        await getAll(
          s,
          '/v1/custom_field_options',
          'custom_field_options',
          `custom_field_id=${f.id}&page_size=2`
        )
      ).length;
    }
    expect(options).toBe(s.expectedCount('custom_field_options'));
    let entries = 0;
    for (const t of db.catalog_types.all()) {
      const r = await get(s, `/v3/catalog_entries?catalog_type_id=${t.id}&page_size=4`);
      expect(r.body.catalog_type.id).toBe(t.id);
      expect(r.body.pagination_meta.total_record_count).toBeGreaterThan(0);
      entries += (
        await getAll(s, '/v3/catalog_entries', 'catalog_entries', `catalog_type_id=${t.id}&page_size=4`)
      ).length;
    }
    expect(entries).toBe(s.expectedCount('catalog_entries'));
    let overrides = 0;
    for (const sc of db.schedules.all()) {
      overrides += (
        await getAll(s, '/v2/schedule_overrides', 'overrides', `schedule_id=${sc.id}&page_size=1`)
      ).length;
    }
    expect(overrides).toBe(s.expectedCount('schedule_overrides'));
    let spi = 0;
    for (const sp of db.status_pages.all()) {
      spi += (
        await getAll(
          s,
          '/v2/status_page_incidents',
          'status_page_incidents',
          `status_page_id=${sp.id}&page_size=2`
        )
      ).length;
    }
    expect(spi).toBe(s.expectedCount('status_page_incidents'));
    let notes = 0;
    for (const a of db.alerts.all()) {
      notes += (await getAll(s, '/v1/alert_notes', 'alert_notes', `alert_id=${a.id}&page_size=1`)).length;
    }
    expect(notes).toBe(s.expectedCount('alert_notes'));
    expect(notes).toBeGreaterThan(0);
    expect(s.stats().invalidRequests).toEqual([]);
  });

  test('show routes: catalog type, alert source, follow-up, alert, user (inactive too); 404 for unknown ids', async () => {
    const db = s.resources();
    const inactive = db.users.find((u) => !u.is_active)!;
    const shows: Array<[string, string]> = [
      [`/v3/catalog_types/${db.catalog_types.all()[0].id}`, 'GET /v3/catalog_types/{id}'],
      [`/v2/alert_sources/${db.alert_sources.all()[0].id}`, 'GET /v2/alert_sources/{id}'],
      [`/v2/follow_ups/${db.follow_ups.all()[0].id}`, 'GET /v2/follow_ups/{id}'],
      [`/v2/alerts/${db.alerts.all()[0].id}`, 'GET /v2/alerts/{id}'],
      [`/v2/users/${inactive.id}`, 'GET /v2/users/{id}'],
    ];
    for (const [p, route] of shows) {
      const r = await get(s, p);
      expect(r.status).toBe(200);
      expectSpecValid(route, r.body);
    }
    const missing = await get(s, '/v2/alerts/01ABCDEFGHJKMNPQRSTVWXYZ00');
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('not_found');
  });

  test('schedule entries page by time window and end without pagination_meta', async () => {
    const db = s.resources();
    const now = Date.now();
    const start = new Date(now - 7 * 86_400_000).toISOString();
    const end = new Date(now + 28 * 86_400_000).toISOString();
    let total = 0;
    let multiPage = false;
    for (const sc of db.schedules.all()) {
      const seen: any[] = [];
      let windowStart = start;
      for (let page = 0; ; page++) {
        const r = await get(
          s,
          `/v2/schedule_entries?schedule_id=${sc.id}&entry_window_start=${encodeURIComponent(windowStart)}&entry_window_end=${encodeURIComponent(end)}`
        );
        expect(r.status).toBe(200);
        expectSpecValid('GET /v2/schedule_entries', r.body);
        seen.push(...r.body.schedule_entries.final);
        if (!r.body.pagination_meta) break;
        multiPage = true;
        expect(r.body.pagination_meta.after_url).toContain('entry_window_start=');
        windowStart = r.body.pagination_meta.after;
      }
      expect(new Set(seen.map((e) => e.fingerprint)).size).toBe(seen.length);
      // Every entry overlaps the window; together they cover it without gaps per layer.
      for (const e of seen) {
        expect(Date.parse(e.start_at)).toBeLessThan(Date.parse(end));
        expect(Date.parse(e.end_at)).toBeGreaterThan(Date.parse(start));
      }
      total += seen.length;
    }
    expect(multiPage).toBe(true);
    expect(total).toBe(s.expectedCount('schedule_entries', { now }));
  });
});

describe('simulator resources: the API defaults, required parameters and deleted parents', () => {
  test('follow-ups and actions hide test/tutorial incidents unless incident_mode asks', async () => {
    const db = s.resources();
    for (const [p, field] of [
      ['/v2/follow_ups', 'follow_ups'],
      ['/v2/actions', 'actions'],
    ] as const) {
      const plain = (await get(s, p)).body[field] as Array<{ incident_id: string }>;
      expectSpecValid(`GET ${p}`, { [field]: plain });
      const modes = new Set(plain.map((r) => db.incidentMode(r.incident_id)));
      expect([...modes].sort()).toEqual(['retrospective', 'standard'].filter((m) => modes.has(m as never)));
      let all = 0;
      for (const mode of ['standard', 'retrospective', 'test', 'tutorial', 'stream']) {
        const r = (await get(s, `${p}?incident_mode=${mode}`)).body[field] as Array<{ incident_id: string }>;
        for (const x of r) expect(db.incidentMode(x.incident_id)).toBe(mode);
        if (mode === 'test' || mode === 'tutorial') expect(r.length).toBeGreaterThan(0);
        all += r.length;
      }
      expect(all).toBe(s.expectedCount(field));
      expect(plain.length).toBeLessThan(all);
    }
  });

  test('users hide inactive ones by default; email filter; workflow runs never list cancelled runs', async () => {
    const active = await getAll(s, '/v2/users', 'users', 'page_size=100');
    const all = await getAll(s, '/v2/users', 'users', 'page_size=100&include_inactive=true');
    expect(active.every((u) => u.is_active)).toBe(true);
    expect(all.filter((u) => !u.is_active)).toHaveLength(4);
    const one = await get(s, `/v2/users?email=${encodeURIComponent(all[3].email)}`);
    expect(ids(one.body.users)).toEqual([all[3].id]);
    const runs = s.resources().workflow_runs;
    expect(runs.filter((r) => r.cancelled_at !== undefined).length).toBeGreaterThan(0);
    expect(s.expectedCount('workflow_runs')).toBe(
      runs.size - runs.filter((r) => r.cancelled_at !== undefined).length
    );
  });

  test('page sizes above 250 are served at 250: the most a spec-valid pagination_meta can say', async () => {
    const r = await get(s, '/v2/users?page_size=1000&include_inactive=true');
    expect(r.status).toBe(200);
    expectSpecValid('GET /v2/users', r.body);
    expect(r.body.pagination_meta.page_size).toBe(250);
    expect(r.body.users).toHaveLength(s.expectedCount('users'));
  });

  test('required parameters and page-size maxima answer 422 and are recorded', async () => {
    // The last two are rules the live API applies (spec descriptions), sent here on purpose.
    const local = await sim({
      incidents: 10,
      expectLiveRuleViolations: ['alert_notes_one_parent', 'attachments_list_scope'],
    });
    const typeId = local.resources().catalog_types.all()[0].id;
    const bad: Array<[string, number]> = [
      ['/v2/alerts', 422], // page_size required
      ['/v2/alerts?page_size=51', 422],
      ['/v2/incident_alerts?page_size=0', 422],
      ['/v2/alert_routes', 422],
      [`/v3/catalog_entries?catalog_type_id=${typeId}`, 422],
      ['/v3/catalog_entries?page_size=5', 422],
      ['/v2/escalation_paths?page_size=26', 422],
      ['/v1/incident_relationships', 422],
      ['/v2/incident_participants', 422],
      ['/v2/schedule_overrides', 422],
      ['/v1/custom_field_options', 422],
      ['/v2/status_page_incidents', 422],
      ['/v2/schedule_entries', 422],
      ['/v1/alert_notes', 422], // exactly one of alert_id / alert_group_id
      ['/v1/incident_attachments', 422], // incident_id, or resource_type + external_id
    ];
    for (const [p, status] of bad) expect([p, (await get(local, p)).status]).toEqual([p, status]);
    // Spec violations are recorded; the two rules stated only in prose are live-rule violations.
    expect(local.stats().invalidRequests).toHaveLength(bad.length - 2);
    expect(local.stats().liveRuleViolations.map((v) => [v.route, v.rule])).toEqual([
      ['GET /v1/alert_notes', 'alert_notes_one_parent'],
      ['GET /v1/incident_attachments', 'attachments_list_scope'],
    ]);
  });

  test('filters: alerts and escalations by time, status and source; a foreign cursor is a 404', async () => {
    const db = s.resources();
    const alerts = db.alerts.all();
    const mid = alerts[Math.floor(alerts.length / 2)].created_at;
    const newer = await getAll(s, '/v2/alerts', 'alerts', `page_size=50&created_at[gte]=${mid}`);
    expect(newer.length).toBe(alerts.filter((a) => Date.parse(a.created_at) >= Date.parse(mid)).length);
    const firing = await getAll(s, '/v2/alerts', 'alerts', 'page_size=50&status[one_of]=firing');
    expect(firing.every((a) => a.status === 'firing')).toBe(true);
    const source = db.alert_sources.all()[0].id;
    const notFrom = await getAll(s, '/v2/alerts', 'alerts', `page_size=50&alert_source[not_in]=${source}`);
    expect(notFrom.some((a) => a.alert_source_id === source)).toBe(false);
    // Newest first.
    const first = await get(s, '/v2/alerts?page_size=5');
    const times = first.body.alerts.map((a: { created_at: string }) => Date.parse(a.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const range = `2024-01-01~2025-01-01`;
    const escalations = await getAll(
      s,
      '/v2/escalations',
      'escalations',
      `page_size=50&created_at[date_range]=${range}`
    );
    for (const e of escalations)
      expect(e.created_at >= '2024-01-01' && e.created_at <= '2025-01-01T00:00:00.000001Z').toBe(true);
    expect((await get(s, '/v2/escalations?page_size=5&after=01ABCDEFGHJKMNPQRSTVWXYZ00')).status).toBe(404);
    expect((await get(s, '/v2/escalations?status[contains]=x')).status).toBe(422);
  });

  test('deleted incidents: listed, but their children answer 404', async () => {
    const deleted = s.deletedIncidentIds();
    expect(deleted).toHaveLength(2);
    const all = await getAll(
      s,
      '/v2/incidents',
      'incidents',
      'page_size=250&mode[one_of]=standard&mode[one_of]=retrospective&mode[one_of]=test&mode[one_of]=tutorial&status_category[not_in]=paused'
    );
    const listed = new Set(ids(all));
    for (const id of deleted) {
      const q = `incident_id=${id}`;
      for (const p of [
        `/v1/incident_relationships?${q}`,
        `/v2/incident_participants?${q}`,
        `/v2/incident_alerts?${q}&page_size=5`,
        `/v1/postmortem_documents?${q}`,
        `/v1/incident_attachments?${q}`,
        `/v2/follow_ups?${q}`,
      ]) {
        const r = await get(s, p);
        expect([p, r.status, r.body.type]).toEqual([p, 404, 'not_found']);
      }
      // The incident itself is still listed (unless its category is filtered out above).
      const shown = await get(s, `/v2/incidents/${id}`);
      expect(shown.status).toBe(200);
      if (shown.body.incident.incident_status.category !== 'paused') expect(listed.has(id)).toBe(true);
    }
  });
});

describe('simulator resources: seeded data', () => {
  test('deterministic per seed, different across seeds; sizes scale', async () => {
    const a = await sim({ seed: 9 });
    const b = await sim({ seed: 9 });
    const c = await sim({ seed: 10 });
    const dump = (x: Simulator) =>
      JSON.stringify([
        x.resources().expectedCounts({ now: 0 }),
        x.resources().follow_ups.all(),
        x.resources().alerts.all(),
      ]);
    expect(dump(a)).toBe(dump(b));
    expect(dump(a)).not.toBe(dump(c));
    const big = await sim({ seed: 9, size: 'default', incidents: 60 });
    for (const r of ['alerts', 'escalations', 'users', 'catalog_entries', 'workflow_runs'] as const) {
      expect(big.expectedCount(r)).toBeGreaterThan(a.expectedCount(r));
    }
    const tuned = await sim({ seed: 9, counts: { alerts: 3, deletedIncidents: 0, childIncidents: 5 } });
    expect(tuned.deletedIncidentIds()).toEqual([]);
    expect(tuned.resources().counts.alerts).toBe(3);
    // A million incidents do not mean a million sets of children.
    const huge = await sim({ incidents: 1_000_000, size: 'small' });
    expect(huge.resources().counts.childIncidents).toBe(2000);
    expect(huge.expectedCount('follow_ups')).toBeGreaterThan(0);
    expect(huge.expectedCount('follow_ups')).toBeLessThan(2000 * 4);
  });

  test('references point at existing records; custom fields of every type on incidents', async () => {
    const db = s.resources();
    const incidentIds = new Set(Array.from({ length: 60 }, (_, i) => db.incidents.id(i)));
    for (const f of db.follow_ups.all()) expect(incidentIds.has(f.incident_id)).toBe(true);
    for (const l of db.incident_alerts.all()) expect(db.alerts.has(l.alert.id)).toBe(true);
    for (const o of db.schedule_overrides.all()) {
      const sc = db.schedules.require(o.schedule_id);
      expect(
        sc.config.rotations.some((r) => r.id === o.rotation_id && r.layers.some((l) => l.id === o.layer_id))
      ).toBe(true);
    }
    for (const e of db.escalations.all()) {
      if (e.escalation_path_id) expect(db.escalation_paths.has(e.escalation_path_id)).toBe(true);
      for (const a of e.related_alerts) expect(db.alerts.has(a.id)).toBe(true);
    }
    for (const t of db.teams.all())
      expect(db.catalog_entries.get(t.id)?.catalog_type_id).toBe(CATALOG_TYPE_IDS.team);
    for (const n of db.alert_notes.all()) expect(db.alerts.has(n.alert_id!)).toBe(true);
    for (const r of db.workflow_runs.all()) expect(db.workflows.has(r.workflow_id)).toBe(true);

    const incidents = (await get(s, '/v2/incidents?page_size=60')).body.incidents as any[];
    const types = new Set<string>();
    let catalogValues = 0;
    for (const inc of incidents) {
      expect(inc.custom_field_entries).toHaveLength(CUSTOM_FIELDS.length);
      for (const e of inc.custom_field_entries) {
        if (e.values.length > 0) types.add(e.custom_field.field_type);
        for (const v of e.values) {
          if (v.value_catalog_entry) {
            catalogValues++;
            expect(db.catalog_entries.get(v.value_catalog_entry.id)?.name).toBe(v.value_catalog_entry.name);
          }
        }
      }
    }
    expect([...types].sort()).toEqual(['link', 'multi_select', 'numeric', 'single_select', 'text']);
    expect(catalogValues).toBeGreaterThan(0);
  });
});

describe('simulator resources: admin routes and alert-source tokens', () => {
  test('POST /_sim/touch with a resource, GET /_sim/expected-counts', async () => {
    const local = await sim({ incidents: 20, seed: 78 });
    const admin = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(local.url + p, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const touched = await admin('POST', '/_sim/touch', { resource: 'escalations', count: 2 });
    expect(touched.body.ids).toHaveLength(2);
    for (const id of touched.body.ids) {
      expect(Date.parse(local.resources().escalations.get(id)!.updated_at)).toBeGreaterThan(
        Date.parse('2026-06-01')
      );
    }
    const counts = await admin('GET', '/_sim/expected-counts');
    expect(counts.body.incidents).toBe(20);
    expect(counts.body.follow_ups).toBe(local.expectedCount('follow_ups'));
    expect(local.stats().requests).toBe(0);
  });

  test('alert events authenticate with the alert source secret token, not an API key', async () => {
    const local = await sim({ incidents: 5, seed: 79 });
    const source = local.resources().alert_sources.find((a) => a.source_type === 'http')!;
    const send = (headers: Record<string, string>, query = '') =>
      fetch(`${local.url}/v2/alert_events/http/${source.id}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ title: 'Disk full', status: 'firing', deduplication_key: 'disk-1' }),
      });
    expect((await send({})).status).toBe(401);
    expect((await send({ authorization: `Bearer ${local.apiKey}` })).status).toBe(401);
    expect((await send({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await send({ authorization: `Bearer ${source.secret_token}` })).status).toBe(202);
    expect((await send({}, `?token=${source.secret_token}`)).status).toBe(202);
    const basic = Buffer.from(`incident:${source.secret_token}`).toString('base64');
    expect((await send({ authorization: `Basic ${basic}` })).status).toBe(202);
  });
});

describe('simulator resources: the store API for write routes', () => {
  test('Collection: insert, get, update bumps updated_at in place, delete, cursor paging, touch', () => {
    const clock = new SimClock();
    const c = new Collection<{ id: string; n: number; updated_at: string }>('things', clock, 'thing');
    for (let i = 0; i < 7; i++) c.insert({ id: `t${i}`, n: i, updated_at: '2024-01-01T00:00:00Z' });
    expect(() => c.insert({ id: 't3', n: 0, updated_at: '' })).toThrow(/duplicate/);
    const before = c.all().map((r) => r.id);
    const updated = c.update('t3', { n: 33 });
    expect(updated.n).toBe(33);
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse('2026-01-01'));
    expect(c.all().map((r) => r.id)).toEqual(before);
    expect(c.update('t4', (r) => ({ ...r, n: 44 }), { bump: false }).updated_at).toBe('2024-01-01T00:00:00Z');
    expect(() => c.update('nope', { n: 1 })).toThrow(/No thing found/);
    // Paging: ascending, descending, and on from a cursor whose record is gone.
    const p1 = c.page(c.all(), { pageSize: 3 });
    expect(ids(p1.items)).toEqual(['t0', 't1', 't2']);
    expect(p1.after).toBe('t2');
    expect(p1.total).toBe(7);
    c.delete('t2');
    expect(ids(c.page(c.all(), { pageSize: 3, after: 't2' }).items)).toEqual(['t3', 't4', 't5']);
    const desc = c.page(c.all(), { pageSize: 4, newestFirst: true });
    expect(ids(desc.items)).toEqual(['t6', 't5', 't4', 't3']);
    const last = c.page(c.all(), { pageSize: 4, newestFirst: true, after: desc.after });
    expect(ids(last.items)).toEqual(['t1', 't0']);
    expect(last.after).toBeUndefined();
    expect(() => c.page(c.all(), { pageSize: 3, after: 'foreign' })).toThrow(/after cursor/);
    const touched = c.touch(2);
    expect(touched).toHaveLength(2);
    for (const id of touched)
      expect(Date.parse(c.get(id)!.updated_at)).toBeGreaterThan(Date.parse('2026-01-01'));
  });

  test('changes made through resources() show in the lists; touch and expectedCount follow', async () => {
    const local = await sim({ incidents: 20, seed: 77 });
    const db = local.resources();
    const before = local.expectedCount('follow_ups');
    const incident = db.childIncidentIndexes()[0];
    const now = db.clock.iso();
    const created = db.follow_ups.insert({
      id: db.newId('follow_ups'),
      incident_id: db.incidents.id(incident),
      title: 'Written by a test',
      status: 'outstanding',
      labels: [],
      creator: { api_key: { id: 'k', name: 'test' } },
      created_at: now,
      updated_at: now,
    });
    expect(local.expectedCount('follow_ups')).toBe(before + 1);
    const mode = db.incidentMode(created.incident_id);
    const listed = (await get(local, `/v2/follow_ups?incident_mode=${mode}`)).body.follow_ups;
    expect(ids(listed)).toContain(created.id);
    expectSpecValid('GET /v2/follow_ups', { follow_ups: listed });
    db.follow_ups.delete(created.id);
    expect((await get(local, `/v2/follow_ups/${created.id}`)).status).toBe(404);
    // touch: severities and escalations get a fresh updated_at; incidents too.
    for (const r of ['severities', 'escalations', 'follow_ups', 'catalog_entries'] as const) {
      const touched = local.touch(r, 2);
      expect(touched).toHaveLength(2);
      for (const id of touched) {
        expect(Date.parse(String(db.get(r)!.get(id)!.updated_at))).toBeGreaterThan(Date.parse('2026-06-01'));
      }
    }
    expect(() => local.touch('users', 1)).toThrow(/no updated_at/);
    expect(local.touch('incidents', 3)).toHaveLength(3);
    // requireIncident: 404, or 422 naming the field.
    expect(() => db.requireIncident('nope')).toThrow(/No incident found/);
    expect(() => db.requireIncident(local.deletedIncidentIds()[0] ?? 'x', 'incident_id')).toThrow(
      expect.objectContaining({ status: 422 })
    );
  });
});
