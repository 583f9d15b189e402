// The simulator against the official spec, over real HTTP: response bodies validate against each
// operation's 2xx schema, and auth, rate limits, paging, filters, idempotency and faults behave as
// the spec documents them (README "What the simulator models").
import http from 'http';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/src';
import { latencyFn } from '../../simulator/src/server';
import { call, post } from '../helpers/sim-http';
import { expectSpecValid } from '../helpers/spec-responses';

const ALL = [
  ...['triage', 'live', 'learning', 'paused', 'closed', 'declined', 'canceled', 'merged'].map(
    (c) => `status_category[one_of]=${c}`
  ),
  ...['standard', 'retrospective', 'test', 'tutorial'].map((m) => `mode[one_of]=${m}`),
].join('&');

async function listAll(sim: Simulator, query: string): Promise<any[]> {
  const out: any[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const cursor = after ? `&after=${after}` : '';
    const res = await call(sim, `/v2/incidents?page_size=250&${query}${cursor}`);
    expectSpecValid('GET /v2/incidents', res.status, res.body);
    out.push(...res.body.incidents);
    after = res.body.pagination_meta.after;
    if (!after) return out;
  }
  throw new Error('paging did not end');
}

const started: Simulator[] = [];
async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  const s = await startSimulator({ port: 0, ...opts });
  started.push(s);
  return s;
}
afterAll(() => Promise.all(started.map((s) => s.close())));

describe('simulator: contract and data', () => {
  let s: Simulator;
  let all: any[];
  beforeAll(async () => {
    s = await sim();
    all = await listAll(s, `${ALL}&sort_by=created_at_oldest_first`);
  });

  test('identity, severities, statuses and types validate against the spec', async () => {
    const id = await call(s, '/v1/identity');
    expectSpecValid('GET /v1/identity', id.status, id.body);
    expect(id.body.identity.roles).toEqual(
      expect.arrayContaining(['viewer', 'incident_creator', 'incident_editor', 'global_access'])
    );
    expect(s.apiKey).toMatch(/^inc_sim_[0-9a-f]{48}$/);

    const sev = await call(s, '/v1/severities');
    expectSpecValid('GET /v1/severities', sev.status, sev.body);
    expect(sev.body.severities.map((x: any) => x.name).sort()).toEqual(['Critical', 'Major', 'Minor']);

    const st = await call(s, '/v1/incident_statuses');
    expectSpecValid('GET /v1/incident_statuses', st.status, st.body);
    expect(new Set(st.body.incident_statuses.map((x: any) => x.category))).toEqual(
      new Set(['triage', 'live', 'learning', 'paused', 'closed', 'declined', 'canceled', 'merged'])
    );

    const ty = await call(s, '/v1/incident_types');
    expectSpecValid('GET /v1/incident_types', ty.status, ty.body);
    expect(ty.body.incident_types.map((x: any) => x.name)).toEqual([
      'Default',
      'Security',
      'Customer-facing',
    ]);
  });

  test('all categories and modes give exactly the seeded incidents, each once, in created_at order', () => {
    expect(all).toHaveLength(1500);
    expect(new Set(all.map((i) => i.id)).size).toBe(1500);
    expect(all[0].reference).toBe('INC-1');
    for (let k = 1; k < all.length; k++) {
      expect(Date.parse(all[k].created_at)).toBeGreaterThanOrEqual(Date.parse(all[k - 1].created_at));
      expect(Date.parse(all[k].updated_at)).toBeGreaterThanOrEqual(Date.parse(all[k].created_at));
    }
    // Realistic variety: every category and mode, timestamps with and without fractions.
    expect(new Set(all.map((i) => i.incident_status.category)).size).toBe(8);
    expect(new Set(all.map((i) => i.mode)).size).toBe(4);
    expect(all.some((i) => /\.\d{6}Z$/.test(i.created_at))).toBe(true);
    expect(all.some((i) => /:\d{2}Z$/.test(i.created_at))).toBe(true);
    expect(all.every((i) => i.created_at < '2026-06-01T00:00:00Z')).toBe(true);
  });

  test('data is deterministic from the seed', async () => {
    const again = await sim({ incidents: 30 });
    const other = await sim({ incidents: 30, seed: 2 });
    const a = (await call(again, `/v2/incidents?${ALL}`)).body.incidents;
    const b = (await call(again, `/v2/incidents?${ALL}`)).body.incidents;
    const c = (await call(other, `/v2/incidents?${ALL}`)).body.incidents;
    expect(a).toEqual(b);
    expect(c[0].id).not.toBe(a[0].id);
    // The same seed gives the same key; the data set size does not change the config ids.
    expect(again.apiKey).toBe(s.apiKey);
    expect(other.apiKey).not.toBe(s.apiKey);
  });

  test('default list hides test/tutorial modes and declined/canceled/merged categories', async () => {
    const visible = await listAll(s, '');
    const expected = all.filter(
      (i) =>
        ['standard', 'retrospective'].includes(i.mode) &&
        !['declined', 'canceled', 'merged'].includes(i.incident_status.category)
    );
    expect(visible.map((i) => i.id)).toEqual(expected.map((i) => i.id).reverse());
    const first = await call(s, '/v2/incidents');
    expect(first.body.incidents).toHaveLength(25);
    expect(first.body.pagination_meta).toEqual({
      after: first.body.incidents[24].id,
      page_size: 25,
      total_record_count: expected.length,
    });
  });

  test('filters: repeated keys, not_in, severity, type, created_at and updated_at windows', async () => {
    const check = async (query: string, pred: (i: any) => boolean) => {
      const got = await listAll(s, `sort_by=created_at_oldest_first&${query}`);
      const want = all.filter(pred);
      expect(want.length).toBeGreaterThan(0);
      expect(got.map((i) => i.id)).toEqual(want.map((i) => i.id));
    };
    const defaults = (i: any) =>
      ['standard', 'retrospective'].includes(i.mode) &&
      !['declined', 'canceled', 'merged'].includes(i.incident_status.category);
    await check(
      'status_category[one_of]=live&status_category[one_of]=merged',
      (i) =>
        ['standard', 'retrospective'].includes(i.mode) &&
        ['live', 'merged'].includes(i.incident_status.category)
    );
    await check(
      'status_category[not_in]=closed&mode[one_of]=test',
      (i) => i.mode === 'test' && i.incident_status.category !== 'closed'
    );
    const statuses = (await call(s, '/v1/incident_statuses')).body.incident_statuses;
    const fixing = statuses.find((x: any) => x.name === 'Fixing').id;
    await check(`status[one_of]=${fixing}`, (i) => defaults(i) && i.incident_status.id === fixing);
    const sevs = (await call(s, '/v1/severities')).body.severities;
    const major = sevs.find((x: any) => x.name === 'Major');
    await check(`severity[one_of]=${major.id}`, (i) => defaults(i) && i.severity?.id === major.id);
    await check(`severity[gte]=${major.id}`, (i) => defaults(i) && i.severity?.rank >= major.rank);
    const types = (await call(s, '/v1/incident_types')).body.incident_types;
    await check(`incident_type[one_of]=${types[1].id}&${ALL}`, (i) => i.incident_type.id === types[1].id);

    // Windows match by whole UTC days on incidents: a date_range of dates takes both days whole, gte
    // starts at its day's midnight and lte runs to its day's end, whatever time they name.
    await check(`created_at[date_range]=2024-01-01~2025-01-01&${ALL}`, (i) => {
      const t = Date.parse(i.created_at);
      return t >= Date.parse('2024-01-01T00:00:00Z') && t < Date.parse('2025-01-02T00:00:00Z');
    });
    await check(
      `created_at[lte]=2024-03-01T06:00:00Z&${ALL}`,
      (i) => Date.parse(i.created_at) < Date.parse('2024-03-02')
    );
    const u = '2025-06-01T12:00:00.5Z';
    await check(
      `updated_at[gte]=${u}&${ALL}`,
      (i) => Date.parse(i.updated_at) >= Date.parse('2025-06-01T00:00:00Z')
    );
  });

  test('newest first is the default order and filter_mode=any ORs filters', async () => {
    const page = await call(s, `/v2/incidents?${ALL}&page_size=3`);
    expect(page.body.incidents.map((i: any) => i.reference)).toEqual(['INC-1500', 'INC-1499', 'INC-1498']);
    const anyRes = await listAll(s, `filter_mode=any&${ALL}`);
    expect(anyRes).toHaveLength(1500);
  });

  test('show by id and by reference number; unknown → 404', async () => {
    const one = await call(s, `/v2/incidents/${all[10].id}`);
    expectSpecValid('GET /v2/incidents/{id}', one.status, one.body);
    expect(one.body.incident).toEqual(all[10]);
    const byNumber = await call(s, '/v2/incidents/11');
    expect(byNumber.body.incident.id).toBe(all[10].id);
    const missing = await call(s, '/v2/incidents/01FDAG4SAP5TYPT98WGR2N7W91');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: 'not_found', status: 404, errors: [{ code: 'not_found' }] });
  });

  test('foreign cursor → 404; page_size 501 → 422, 251..500 served as 250; unknown parameter → 422 and recorded', async () => {
    s.resetStats();
    const foreign = await call(s, '/v2/incidents?after=01FDAG4SAP5TYPT98WGR2N7W91');
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toBe('not_found');
    // The spec allows 500; the live API serves 250 and says so.
    const capped = await call(s, `/v2/incidents?page_size=500&${ALL}`);
    expect(capped.status).toBe(200);
    expect(capped.body.incidents).toHaveLength(250);
    expect(capped.body.pagination_meta.page_size).toBe(250);
    const big = await call(s, '/v2/incidents?page_size=501');
    expect(big.status).toBe(422);
    expect(big.body.errors[0]).toMatchObject({ source: { field: 'page_size' } });
    const unknown = await call(s, '/v2/incidents?updated_since=2024-01-01');
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({
      type: 'validation_error',
      status: 422,
      errors: [{ code: 'unknown_parameter', source: { field: 'updated_since' } }],
    });
    const notInt = await call(s, '/v2/incidents?page_size=ten');
    expect(notInt.body.errors[0].source.field).toBe('page_size');
    const badTime = await call(s, '/v2/incidents?updated_at[gte]=yesterday');
    expect(badTime.status).toBe(422);
    expect(badTime.body.errors[0].source.field).toBe('updated_at[gte]');
    const badCategory = await call(s, '/v2/incidents?status_category[one_of]=active');
    expect(badCategory.status).toBe(422);
    const st = s.stats();
    expect(st.invalidRequests.map((r) => r.route)).toEqual([
      'GET /v2/incidents',
      'GET /v2/incidents',
      'GET /v2/incidents',
    ]);
    expect(st.invalidRequests[1].errors[0]).toContain('updated_since');
    expect(st.byStatus).toMatchObject({ '200': 1, '404': 1, '422': 5 });
    expect(st.byRoute['GET /v2/incidents']).toBe(7);
  });

  test('unknown routes → 404, wrong methods → 405; stats name routes by template', async () => {
    s.resetStats();
    expect((await call(s, '/v9/nothing')).status).toBe(404);
    // Rotating a secret is an operation of the spec the simulator does not serve.
    const notImplemented = await call(s, '/v2/secrets/abc/actions/rotate', { method: 'POST', body: '{}' });
    expect(notImplemented.status).toBe(404);
    expect(notImplemented.body.errors[0].message).toMatch(/not implemented by the simulator/);
    expect((await call(s, '/v1/identity', { method: 'DELETE' })).status).toBe(405);
    expect((await call(s, `/v2/incidents/${all[0].id}`, { key: 'wrong' })).status).toBe(401);
    expect(s.stats().byRoute).toEqual({
      'GET /v9/nothing': 1,
      'POST /v2/secrets/{id}/actions/rotate': 1,
      'DELETE /v1/identity': 1,
      'GET /v2/incidents/{id}': 1,
    });
  });

  test('validateRequests: false records spec violations but answers them', async () => {
    const lenient = await sim({ incidents: 20, validateRequests: false });
    const r = await call(lenient, '/v2/incidents?updated_since=2024-01-01&page_size=5');
    expect(r.status).toBe(200);
    expect(r.body.incidents).toHaveLength(5);
    expect(lenient.stats().invalidRequests).toEqual([
      { route: 'GET /v2/incidents', errors: ['updated_since: is not a parameter of this operation'] },
    ]);
  });

  test('touchIncidents bumps updated_at of spread-out incidents to now', async () => {
    // Seeded data ends at 2026-06-01; whatever the clock says, touched incidents sort after it.
    const ids = s.touchIncidents(5);
    expect(new Set(ids).size).toBe(5);
    // By whole days: the day after the seeded data holds only the touched ones.
    const changed = await listAll(s, `updated_at[gte]=2026-06-02&${ALL}`);
    expect(changed.map((i) => i.id).sort()).toEqual([...ids].sort());
    // Upper bounds and windows now exclude the touched ones, in AND and in OR mode.
    const untouched = all.filter((i) => !ids.includes(i.id));
    const lte = await listAll(s, `updated_at[lte]=2026-06-01&${ALL}&sort_by=created_at_oldest_first`);
    expect(lte.map((i) => i.id)).toEqual(untouched.map((i) => i.id));
    const [a, b] = ['2025-01-01', '2025-06-01'];
    const inWindow = untouched.filter(
      (i) => Date.parse(i.updated_at) >= Date.parse(a) && Date.parse(i.updated_at) < Date.parse('2025-06-02')
    );
    const win = await listAll(s, `updated_at[date_range]=${a}~${b}&${ALL}&sort_by=created_at_oldest_first`);
    expect(win.map((i) => i.id)).toEqual(inWindow.map((i) => i.id));
    const either = await listAll(
      s,
      `filter_mode=any&updated_at[date_range]=${a}~${b}&status_category[one_of]=merged&mode[one_of]=tutorial&sort_by=created_at_oldest_first`
    );
    const expected = all.filter(
      (i) => i.mode === 'tutorial' || i.incident_status.category === 'merged' || inWindow.includes(i)
    );
    expect(either.map((i) => i.id)).toEqual(expected.map((i) => i.id));
  });
});

describe('simulator: create', () => {
  let s: Simulator;
  beforeAll(async () => {
    s = await sim({
      incidents: 50,
      keys: [
        { key: 'viewer-key', name: 'Read only', roles: ['viewer'] },
        { key: 'no-roles', roles: [], teamRoles: ['catalog_editor'] },
      ],
    });
  });

  test('creates once per idempotency key and validates against the spec', async () => {
    const sev = (await call(s, '/v1/severities')).body.severities[0];
    const payload = {
      idempotency_key: 'record-42',
      visibility: 'public',
      name: 'Checkout is down',
      summary: 'Created by a test',
      severity_id: sev.id,
      mode: 'standard',
    };
    const first = await post(s, '/v2/incidents', payload);
    expectSpecValid('POST /v2/incidents', first.status, first.body);
    expect(first.body.incident).toMatchObject({
      name: 'Checkout is down',
      reference: 'INC-51',
      mode: 'standard',
    });
    expect(first.body.incident.creator.api_key.name).toBe('Simulator default key');
    const again = await post(s, '/v2/incidents', { ...payload, name: 'changed' });
    expectSpecValid('POST /v2/incidents', again.status, again.body);
    expect(again.body.incident.id).toBe(first.body.incident.id);
    expect(s.incidentCount()).toBe(51);
    expect(s.findIncidentsByIdempotencyKey('record-42')).toBe(1);
    expect(s.stats().created.incidents).toBe(1);
    // The newest incident comes first and can be shown.
    const list = await call(s, '/v2/incidents?page_size=1');
    expect(list.body.incidents[0].id).toBe(first.body.incident.id);
    const show = await call(s, `/v2/incidents/${first.body.incident.id}`);
    expect(show.body.incident).toEqual(first.body.incident);
  });

  test('create resolves custom fields, role assignees and timestamps from their ids', async () => {
    const sample = (await call(s, '/v2/incidents?page_size=1')).body.incidents[0];
    const team = sample.custom_field_entries[0].custom_field;
    const impact = sample.custom_field_entries[1].custom_field;
    const lead = sample.incident_role_assignments[0].role;
    const started = sample.incident_timestamp_values[1].incident_timestamp;
    const res = await post(s, '/v2/incidents', {
      idempotency_key: 'full-1',
      visibility: 'private',
      severity_id: sample.severity.id,
      mode: 'retrospective',
      name: 'Backfilled outage',
      custom_field_entries: [
        { custom_field_id: team.id, values: [{ value_option_id: team.options[2].id }] },
        { custom_field_id: impact.id, values: [{ value_text: 'Nobody could pay' }] },
      ],
      incident_role_assignments: [
        { incident_role_id: lead.id, assignee: { email: 'chris.evans@example.com' } },
      ],
      incident_timestamp_values: [{ incident_timestamp_id: started.id, value: '2026-01-02T03:04:05Z' }],
      slack_channel_name_override: 'inc-backfill',
    });
    expectSpecValid('POST /v2/incidents', res.status, res.body);
    const inc = res.body.incident;
    expect(inc).toMatchObject({
      visibility: 'private',
      mode: 'retrospective',
      slack_channel_name: 'inc-backfill',
    });
    expect(inc.incident_status.category).toBe('closed');
    expect(inc.custom_field_entries[0].values[0].value_option.value).toBe(team.options[2].value);
    expect(inc.custom_field_entries[1].values[0].value_text).toBe('Nobody could pay');
    expect(inc.incident_role_assignments[0].assignee.name).toBe('Chris Evans');
    expect(inc.incident_timestamp_values[1].value.value).toBe('2026-01-02T03:04:05Z');
    const badOption = await post(s, '/v2/incidents', {
      idempotency_key: 'full-2',
      visibility: 'public',
      severity_id: sample.severity.id,
      custom_field_entries: [{ custom_field_id: team.id, values: [{ value_option_id: 'nope' }] }],
    });
    expect(badOption.body.errors[0].source.field).toBe('custom_field_entries.0.values.0.value_option_id');
  });

  test('spec-invalid bodies and unknown references → 422 with source.field', async () => {
    const noVisibility = await post(s, '/v2/incidents', { idempotency_key: 'x1' });
    expect(noVisibility.status).toBe(422);
    expect(noVisibility.body.errors[0]).toMatchObject({
      code: 'is_required',
      source: { field: 'visibility' },
    });
    expect(s.stats().invalidRequests.some((r) => r.route === 'POST /v2/incidents')).toBe(true);
    const unknownSeverity = await post(s, '/v2/incidents', {
      idempotency_key: 'x2',
      visibility: 'private',
      severity_id: '01FH5TZRWMNAFB0DZ23FD1TV96',
    });
    expect(unknownSeverity.status).toBe(422);
    expect(unknownSeverity.body.errors[0].source.field).toBe('severity_id');
    const badJson = await call(s, '/v2/incidents', { method: 'POST', body: '{"idempotency_key":' });
    expect(badJson.status).toBe(400);
    expect(s.findIncidentsByIdempotencyKey('x2')).toBe(0);
  });

  test('401 and 403 bodies', async () => {
    const none = await call(s, '/v2/incidents', { key: null });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      type: 'authentication_error',
      status: 401,
      request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      errors: [
        { code: 'missing_authorization_material', message: 'No authorization material provided in request' },
      ],
    });
    const bad = await call(s, '/v1/identity', { key: 'inc_wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body.errors[0]).toEqual({
      code: 'invalid_authorization_material',
      message: 'The API key provided is not valid',
    });
    const viewer = await post(
      s,
      '/v2/incidents',
      { idempotency_key: 'v', visibility: 'public' },
      'viewer-key'
    );
    expect(viewer.status).toBe(403);
    expect(viewer.body).toMatchObject({
      type: 'resource_forbidden',
      status: 403,
      errors: [{ code: 'missing_required_scope' }],
    });
    expect(viewer.body.errors[0].message).toContain('incidents.create');
    expect((await call(s, '/v2/incidents', { key: 'viewer-key' })).status).toBe(200);
    // A key without account roles can only probe.
    const probe = await call(s, '/v1/identity', { key: 'no-roles' });
    expect(probe.status).toBe(200);
    expect(probe.body.identity).toMatchObject({ roles: [], team_roles: ['catalog_editor'] });
    expect((await call(s, '/v1/severities', { key: 'no-roles' })).status).toBe(403);
    s.revokeKey('viewer-key');
    expect((await call(s, '/v1/identity', { key: 'viewer-key' })).status).toBe(401);
    expect(() => s.addKey({ key: 'k', roles: ['superuser'] })).toThrow(/unknown role/);
  });
});

describe('simulator: rate limit', () => {
  test('burst, then 429 with Retry-After seconds and the documented body; refills continuously', async () => {
    const s = await sim({ incidents: 10, bucket: { burst: 3, refillPerSecond: 1 } });
    const ok = [];
    for (let k = 0; k < 3; k++) ok.push(await call(s, '/v1/identity'));
    expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ok[0].headers.get('x-ratelimit-limit')).toBe('3, 3;window=3');
    expect(ok.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0']);
    expect(ok[2].headers.get('x-ratelimit-used')).toBe('3');
    expect(Number(ok[2].headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(
      Math.floor(Date.now() / 1000)
    );
    const limited = await call(s, '/v1/identity');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toMatchObject({
      type: 'too_many_requests',
      status: 429,
      rate_limit: { name: 'api_key', limit: 3, remaining: 0 },
      errors: [
        {
          code: 'too_many_requests',
          message:
            'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
        },
      ],
    });
    expect(limited.body.rate_limit.retry_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await call(s, '/v1/identity')).status).toBe(200);
    // Buckets are per key.
    s.addKey({ key: 'second', roles: ['viewer'] });
    expect((await call(s, '/v1/identity', { key: 'second' })).status).toBe(200);
  });

  test('http-date Retry-After, and no bucket at all', async () => {
    const s = await sim({
      incidents: 10,
      bucket: { burst: 1, refillPerSecond: 0.5 },
      retryAfterFormat: 'http-date',
    });
    await call(s, '/v1/identity');
    const limited = await call(s, '/v1/identity');
    expect(limited.status).toBe(429);
    const wait = Date.parse(limited.headers.get('retry-after')!) - Date.now();
    expect(wait).toBeGreaterThan(1000);
    expect(wait).toBeLessThanOrEqual(3000);
    const free = await sim({ incidents: 10, bucket: false });
    for (let k = 0; k < 5; k++) expect((await call(free, '/v1/identity')).status).toBe(200);
    expect((await call(free, '/v1/identity')).headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('simulator: faults', () => {
  let s: Simulator;
  beforeAll(async () => {
    s = await sim({ incidents: 100 });
  });
  afterEach(() => s.clearFaults());

  test('429 with seconds, http-date or no Retry-After', async () => {
    s.addFault({ kind: '429', route: 'GET /v1/identity', retryAfterSeconds: 2 });
    s.addFault({ kind: '429', route: 'GET /v1/identity', retryAfter: 'http-date' });
    s.addFault({ kind: '429', route: 'GET /v1/identity', retryAfter: 'none' });
    const a = await call(s, '/v1/identity');
    const b = await call(s, '/v1/identity');
    const c = await call(s, '/v1/identity');
    expect([a.status, b.status, c.status]).toEqual([429, 429, 429]);
    expect(a.headers.get('retry-after')).toBe('2');
    expect(Number.isNaN(Date.parse(b.headers.get('retry-after')!))).toBe(false);
    expect(c.headers.get('retry-after')).toBeNull();
    expect(c.body.type).toBe('too_many_requests');
    expect((await call(s, '/v1/identity')).status).toBe(200);
  });

  test('5xx with api_error bodies; after/count select which requests fail', async () => {
    s.addFault({ kind: '503', route: 'GET /v1/severities', after: 1, count: 2 });
    const statuses = [];
    for (let k = 0; k < 4; k++) statuses.push((await call(s, '/v1/severities')).status);
    expect(statuses).toEqual([200, 503, 503, 200]);
    for (const kind of ['500', '502', '504'] as const) {
      s.addFault({ kind });
      const r = await call(s, '/v1/incident_types');
      expect(r.status).toBe(Number(kind));
      expect(r.body).toMatchObject({
        type: 'api_error',
        status: Number(kind),
        errors: [{ code: 'internal_error' }],
      });
    }
  });

  test('reset, hang and truncate break the transport', async () => {
    s.addFault({ kind: 'reset' });
    await expect(call(s, '/v1/identity')).rejects.toThrow();
    s.addFault({ kind: 'hang' });
    await expect(call(s, '/v1/identity', { signal: AbortSignal.timeout(300) })).rejects.toThrow(
      /aborted|timeout/i
    );
    s.addFault({ kind: 'truncate', route: 'GET /v2/incidents' });
    const raw = await rawGet(s, '/v2/incidents', 2000);
    expect(raw.status).toBe(200);
    expect(raw.received).toBeLessThan(raw.declared);
    expect(raw.error).toBeDefined();
    expect(s.stats().byStatus).toMatchObject({ reset: 1, hang: 1 });
  });

  test('trickle sends the body a byte at a time', async () => {
    s.addFault({ kind: 'trickle', route: 'GET /v1/severities' });
    const raw = await rawGet(s, '/v1/severities', 700);
    expect(raw.status).toBe(200);
    expect(raw.received).toBeGreaterThan(0);
    expect(raw.received).toBeLessThanOrEqual(5);
    expect(raw.declared).toBeGreaterThan(100);
  });

  test('malformed JSON and an HTML page with status 200', async () => {
    s.addFault({ kind: 'malformed_json' });
    const bad = await call(s, '/v1/severities');
    expect(bad.status).toBe(200);
    expect(typeof bad.body).toBe('string');
    expect(() => JSON.parse(bad.body)).toThrow();
    s.addFault({ kind: 'html' });
    const html = await call(s, '/v2/incidents');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(html.body).toMatch(/^<!DOCTYPE html>/);
  });

  test('repeat_cursor and foreign_cursor act on cursor requests only', async () => {
    s.addFault({ kind: 'repeat_cursor', route: 'GET /v2/incidents' });
    const first = await call(s, '/v2/incidents?page_size=5');
    const cursor = first.body.pagination_meta.after;
    expect(cursor).toBe(first.body.incidents[4].id);
    const second = await call(s, `/v2/incidents?page_size=5&after=${cursor}`);
    expect(second.status).toBe(200);
    expect(second.body.pagination_meta.after).toBe(cursor);
    s.addFault({ kind: 'foreign_cursor', route: 'GET /v2/incidents' });
    expect((await call(s, '/v2/incidents?page_size=5')).status).toBe(200);
    const lost = await call(s, `/v2/incidents?page_size=5&after=${cursor}`);
    expect(lost.status).toBe(404);
    expect(lost.body.type).toBe('not_found');
  });

  test('revoke_key and forbid last from then on', async () => {
    s.addKey({ key: 'doomed', roles: ['viewer'] });
    s.addFault({ kind: 'revoke_key', after: 1 });
    expect((await call(s, '/v1/identity', { key: 'doomed' })).status).toBe(200);
    const revoked = await call(s, '/v1/identity', { key: 'doomed' });
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors[0].code).toBe('invalid_authorization_material');
    expect((await call(s, '/v1/identity', { key: 'doomed' })).status).toBe(401);
    s.addFault({ kind: 'forbid', route: 'GET /v1/incident_types' });
    for (let k = 0; k < 2; k++) {
      const r = await call(s, '/v1/incident_types');
      expect(r.status).toBe(403);
      expect(r.body.type).toBe('resource_forbidden');
    }
    expect((await call(s, '/v1/severities')).status).toBe(200);
    s.clearFaults();
    expect((await call(s, '/v1/incident_types')).status).toBe(200);
  });

  test('admin routes over HTTP (no auth, not counted)', async () => {
    const admin = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(s.url + p, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await admin('POST', '/_sim/reset-stats')).status).toBe(200);
    expect(
      (await admin('POST', '/_sim/faults', { kind: '502', route: 'GET /v1/identity', count: 'Infinity' }))
        .status
    ).toBe(200);
    expect((await call(s, '/v1/identity')).status).toBe(502);
    expect((await call(s, '/v1/identity')).status).toBe(502);
    expect((await admin('DELETE', '/_sim/faults')).status).toBe(200);
    expect((await call(s, '/v1/identity')).status).toBe(200);
    expect((await admin('POST', '/_sim/faults', { kind: 'nope' })).status).toBe(400);
    expect((await admin('POST', '/_sim/keys', { key: 'remote', roles: ['viewer'] })).status).toBe(200);
    expect((await call(s, '/v1/identity', { key: 'remote' })).status).toBe(200);
    expect((await admin('POST', '/_sim/revoke', { key: 'remote' })).status).toBe(200);
    expect((await call(s, '/v1/identity', { key: 'remote' })).status).toBe(401);
    const touched = await admin('POST', '/_sim/touch', { count: 3 });
    expect(touched.body.ids).toHaveLength(3);
    const stats = await admin('GET', '/_sim/stats');
    expect(stats.body).toMatchObject({ requests: 5, byStatus: { '200': 2, '401': 1, '502': 2 } });
    expect(Object.keys(stats.body.byRoute).some((r) => r.includes('_sim'))).toBe(false);
  });

  test('latency with jitter: each request draws its own, within latency × (1 ± jitter)', () => {
    const draw = latencyFn(100, 0.2, 7);
    const values = Array.from({ length: 200 }, draw);
    for (const v of values) expect(v >= 80 && v <= 120).toBe(true);
    expect(new Set(values.map((v) => Math.round(v))).size).toBeGreaterThan(20);
    expect(Array.from({ length: 3 }, latencyFn(100, undefined, 7))).toEqual([100, 100, 100]);
    expect(() => latencyFn(100, 1.5, 7)).toThrow(RangeError);
  });

  test('latency is added before answering', async () => {
    const slow = await sim({ incidents: 1, latencyMs: { min: 80, max: 100 } });
    const t0 = Date.now();
    await call(slow, '/v1/identity');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
  });
});

describe('simulator: scale', () => {
  test('a million incidents page in O(page): first, middle and filtered pages', async () => {
    const s = await sim({ incidents: 1_000_000 });
    const timed = async (q: string) => {
      const t0 = performance.now();
      const r = await call(s, q);
      return { ...r, ms: performance.now() - t0 };
    };
    const first = await timed(`/v2/incidents?page_size=250&${ALL}`);
    expect(first.body.pagination_meta.total_record_count).toBe(1_000_000);
    expect(first.body.incidents[0].reference).toBe('INC-1000000');
    // Jump to the middle with a created_at bound, then page on from there with the cursor alone.
    const lo = (await call(s, `/v2/incidents?page_size=1&${ALL}&sort_by=created_at_oldest_first`)).body
      .incidents[0];
    const mid = new Date((Date.parse(lo.created_at) + Date.parse('2026-06-01')) / 2).toISOString();
    const window = await timed(`/v2/incidents?page_size=250&${ALL}&created_at[lte]=${mid}`);
    const middle = await timed(
      `/v2/incidents?page_size=250&${ALL}&after=${window.body.pagination_meta.after}`
    );
    expect(Number(middle.body.incidents[0].reference.slice(4))).toBeGreaterThan(400_000);
    expect(Number(middle.body.incidents[0].reference.slice(4))).toBeLessThan(600_000);
    const merged = await timed('/v2/incidents?page_size=250&status_category[one_of]=merged');
    expect(merged.body.incidents).toHaveLength(250);
    expect(merged.body.pagination_meta.total_record_count).toBeGreaterThan(50_000);
    for (const r of [first, window, middle, merged]) {
      expectSpecValid('GET /v2/incidents', r.status, r.body);
      expect(r.ms).toBeLessThan(1000);
    }
  });

  test('updated_at filters over 100k incidents stay fast', async () => {
    const s = await sim({ incidents: 100_000 });
    s.touchIncidents(10);
    const t0 = performance.now();
    const r = await call(s, `/v2/incidents?page_size=250&${ALL}&updated_at[gte]=2026-06-02`);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(r.body.incidents).toHaveLength(10);
    expect(r.body.pagination_meta).toEqual({ page_size: 250, total_record_count: 10 });
    // A window reaching back before the data scans all of it, in one pass.
    const t1 = performance.now();
    const full = await call(s, `/v2/incidents?page_size=250&${ALL}&updated_at[gte]=2020-01-01`);
    expect(performance.now() - t1).toBeLessThan(1500);
    expect(full.body.pagination_meta.total_record_count).toBe(100_000);
  });
});

/** A raw GET that reports the declared Content-Length and how many body bytes arrived before `ms`. */
function rawGet(
  s: Simulator,
  p: string,
  ms: number
): Promise<{ status: number; declared: number; received: number; error?: Error }> {
  return new Promise((resolve, reject) => {
    const req = http.get(s.url + p, { headers: { authorization: `Bearer ${s.apiKey}` } }, (res) => {
      let received = 0;
      const done = (error?: Error) => {
        clearTimeout(timer);
        res.destroy();
        resolve({
          status: res.statusCode!,
          declared: Number(res.headers['content-length']),
          received,
          error,
        });
      };
      const timer = setTimeout(() => done(), ms);
      res.on('data', (c: Buffer) => (received += c.length));
      res.on('error', done);
      res.on('aborted', () => done(new Error('aborted')));
      res.on('end', () => done());
    });
    req.on('error', reject);
  });
}
