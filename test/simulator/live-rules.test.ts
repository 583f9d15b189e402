// What the simulator models of the live API beyond the spec's schemas (README "What the simulator
// models"): requests the live API refuses are answered 422 and counted as live-rule violations apart
// from spec errors; incidents and escalations match time filters by whole days; GET /v2/incidents has
// its own 60/min bucket; next_shifts only with page_size <= 25; the write rules of the spec's prose;
// children that change without their parent; records placed on exact times.
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/src';
import { FOLLOW_UP_PRIORITIES } from '../../simulator/src/config';
import { call, post, put } from '../helpers/sim-http';
import { expectSpecValid } from '../helpers/spec-responses';

const started: Simulator[] = [];
async function sim(opts: SimulatorOptions = {}): Promise<Simulator> {
  // Every test here sends refused requests on purpose, and checks each one.
  const s = await startSimulator({
    incidents: 300,
    seed: 4,
    size: 'small',
    expectLiveRuleViolations: true,
    ...opts,
  });
  started.push(s);
  return s;
}
afterAll(() => Promise.all(started.map((s) => s.close())));

/** Every incident: the list hides some status categories and modes unless they are named. */
const EVERY = [
  ...['triage', 'live', 'learning', 'paused', 'closed', 'declined', 'canceled', 'merged'].map(
    (c) => `status_category[one_of]=${c}`
  ),
  ...['standard', 'retrospective', 'test', 'tutorial'].map((m) => `mode[one_of]=${m}`),
].join('&');

describe('time windows', () => {
  test('[gte] and [lte] on one field → 422 on every list with time filters, counted apart from spec errors', async () => {
    const s = await sim({ bucket: false });
    const cases: Array<[string, string]> = [
      ['/v2/incidents', 'created_at'],
      ['/v2/incidents', 'updated_at'],
      ['/v2/alerts?page_size=5', 'created_at'],
      ['/v2/escalations', 'created_at'],
      ['/v2/escalations', 'updated_at'],
      ['/v2/workflow_runs', 'created_at'],
    ];
    for (const [p, field] of cases) {
      const sep = p.includes('?') ? '&' : '?';
      const r = await call(s, `${p}${sep}${field}[gte]=2024-01-01&${field}[lte]=2024-02-01`);
      expect([p, field, r.status]).toEqual([p, field, 422]);
      expect(r.body).toMatchObject({
        type: 'validation_error',
        errors: [{ code: 'invalid_value', source: { field: `${field}[lte]` } }],
      });
      expect(r.body.errors[0].message).toMatch(/date_range/);
    }
    // The stricter reading: any two window operators on one field, or one repeated.
    expect(
      (
        await call(
          s,
          '/v2/alerts?page_size=5&created_at[gte]=2024-01-01&created_at[date_range]=2024-01-01~2024-02-01'
        )
      ).status
    ).toBe(422);
    expect(
      (await call(s, '/v2/alerts?page_size=5&created_at[gte]=2024-01-01&created_at[gte]=2024-02-01')).status
    ).toBe(422);
    // Different fields may each have one.
    expect(
      (await call(s, '/v2/incidents?created_at[gte]=2024-01-01&updated_at[lte]=2025-01-01')).status
    ).toBe(200);
    const st = s.stats();
    expect(st.liveRuleViolations).toHaveLength(cases.length + 2);
    expect(new Set(st.liveRuleViolations.map((v) => v.rule))).toEqual(
      new Set(['one_time_operator_per_field'])
    );
    expect(st.liveRuleViolations.map((v) => v.route).slice(0, cases.length)).toEqual(
      cases.map(([p]) => `GET ${p.split('?')[0]}`)
    );
    expect(st.invalidRequests).toEqual([]);
  });

  test('incidents and escalations match by whole UTC days; alerts take exact timestamps', async () => {
    const s = await sim({ bucket: false });
    const db = s.resources();
    // A date_range bound that is not a plain date is refused on incidents and escalations.
    for (const p of ['/v2/incidents', '/v2/escalations']) {
      const r = await call(s, `${p}?created_at[date_range]=2024-01-01T00:00:00Z~2024-02-01T00:00:00Z`);
      expect([p, r.status, r.body.errors[0].source.field]).toEqual([p, 422, 'created_at[date_range]']);
    }
    expect(s.stats().liveRuleViolations.map((v) => v.rule)).toEqual([
      'date_range_whole_days',
      'date_range_whole_days',
    ]);
    // Escalations: gte at a time of day starts at that day's midnight, date_range takes both days.
    const escalations = db.escalations.all();
    const pivot = escalations[Math.floor(escalations.length / 2)];
    const day = String(pivot.created_at).slice(0, 10);
    const from = await listEscalations(s, `created_at[gte]=${day}T23:59:59Z`);
    expect(from.sort()).toEqual(
      escalations
        .filter((e) => Date.parse(String(e.created_at)) >= Date.parse(day))
        .map((e) => e.id)
        .sort()
    );
    const within = await listEscalations(s, `created_at[date_range]=${day}~${day}`);
    expect(within).toContain(pivot.id);
    for (const id of within) expect(String(db.escalations.get(id)!.created_at).slice(0, 10)).toBe(day);
    // Incidents: lte at midnight runs to that day's end.
    const incident = db.incidents.id(150);
    const incidentDay = new Date(db.incidents.createdUs(150) / 1000).toISOString().slice(0, 10);
    const r = await call(s, `/v2/incidents?${EVERY}&page_size=250&created_at[lte]=${incidentDay}T00:00:00Z`);
    const listed = r.body.incidents.map((i: { id: string }) => i.id);
    expect(listed).toContain(incident);
    for (const i of r.body.incidents)
      expect(Date.parse(i.created_at)).toBeLessThan(Date.parse(incidentDay) + 86_400_000);
    // Alerts: a date_range of timestamps, both ends inclusive and exact.
    const alerts = db.alerts.all();
    const [a, b] = [alerts[10].created_at, alerts[20].created_at] as string[];
    const got = await call(s, `/v2/alerts?page_size=50&created_at[date_range]=${a}~${b}`);
    expect(got.body.alerts.map((x: { id: string }) => x.id).sort()).toEqual(
      alerts
        .slice(10, 21)
        .map((x) => x.id)
        .sort()
    );
  });
});

async function listEscalations(s: Simulator, query: string): Promise<string[]> {
  const out: string[] = [];
  let after = '';
  for (;;) {
    const r = await call(s, `/v2/escalations?page_size=50&${query}${after}`);
    expect(r.status).toBe(200);
    out.push(...r.body.escalations.map((e: { id: string }) => e.id));
    if (!r.body.pagination_meta.after) return out;
    after = `&after=${r.body.pagination_meta.after}`;
  }
}

describe('rate limits', () => {
  test('GET /v2/incidents has its own 60/min bucket and headers on top of the key bucket', async () => {
    const s = await sim();
    const first = await call(s, '/v2/incidents?page_size=1');
    expect(first.headers.get('x-ratelimit-limit')).toBe('60, 1200;window=60, 60;window=60');
    expect((await call(s, '/v1/identity')).headers.get('x-ratelimit-limit')).toBe('1200, 1200;window=60');
    // 59 tokens left; the bucket refills one a second, so a 429 comes within 70 quick requests.
    const statuses: number[] = [];
    for (let k = 0; k < 70 && !statuses.includes(429); k++) {
      const r = await call(s, '/v2/incidents?page_size=1');
      statuses.push(r.status);
      if (r.status === 429) expect(r.body.rate_limit).toMatchObject({ limit: 60, remaining: 0 });
    }
    expect(statuses.indexOf(429)).toBeGreaterThanOrEqual(59);
    // Only that route: the key still has most of its bucket.
    expect((await call(s, '/v1/severities')).status).toBe(200);
    expect(s.stats().liveRuleViolations).toEqual([]);
  });

  test('a faster key bucket (tests) makes the route buckets faster in proportion', async () => {
    const s = await sim({ bucket: { burst: 12_000, refillPerSecond: 200 } });
    const r = await call(s, '/v2/incidents?page_size=1');
    expect(r.headers.get('x-ratelimit-limit')).toBe('600, 12000;window=60, 600;window=60');
    const escalate = await call(s, '/v1/identity');
    expect(escalate.headers.get('x-ratelimit-limit')).toBe('12000, 12000;window=60');
  });
});

describe('page sizes', () => {
  test('schedules carry next_shifts only when page_size <= 25', async () => {
    const s = await sim({ bucket: false });
    const small = await call(s, '/v2/schedules?page_size=25');
    expectSpecValid('GET /v2/schedules', small.status, small.body);
    expect(small.body.schedules.some((x: { next_shifts: unknown[] }) => x.next_shifts.length > 0)).toBe(true);
    const big = await call(s, '/v2/schedules?page_size=26');
    expectSpecValid('GET /v2/schedules', big.status, big.body);
    expect(big.body.schedules.map((x: { next_shifts: unknown[] }) => x.next_shifts)).toEqual(
      big.body.schedules.map(() => [])
    );
  });
});

describe('writes', () => {
  test('create_incident without a severity → 422 is_required on severity_id, whatever the mode', async () => {
    const s = await sim({ bucket: false });
    for (const mode of ['standard', 'retrospective', 'test', 'tutorial']) {
      const r = await post(s, '/v2/incidents', {
        idempotency_key: `no-sev-${mode}`,
        visibility: 'public',
        mode,
      });
      expect([mode, r.status]).toEqual([mode, 422]);
      expect(r.body.errors[0]).toMatchObject({
        code: 'is_required',
        message: 'A severity is required to open an incident',
        source: { field: 'severity_id' },
      });
    }
    expect(s.stats().liveRuleViolations.map((v) => v.rule)).toEqual(Array(4).fill('severity_required'));
    expect(s.stats().created.incidents).toBe(0);
  });

  test('attachments: exactly one of external_id and url; title and emoji only for arbitrary_url', async () => {
    const s = await sim({ bucket: false });
    const incident = s.resources().incidents.id(3);
    const attach = (resource: Record<string, string>) =>
      post(s, '/v1/incident_attachments', { incident_id: incident, resource });
    const refused: Array<[Record<string, string>, string, string]> = [
      [{ resource_type: 'jira_issue' }, 'resource.external_id', 'attachment_external_id_or_url'],
      [
        { resource_type: 'jira_issue', external_id: 'E-1', url: 'https://jira.example.com/E-1' },
        'resource.external_id',
        'attachment_external_id_or_url',
      ],
      [
        { resource_type: 'jira_issue', external_id: 'E-1', title: 'E-1' },
        'resource.title',
        'attachment_arbitrary_url_fields',
      ],
      [
        { resource_type: 'sentry_issue', external_id: 'S-1', emoji: 'bug' },
        'resource.emoji',
        'attachment_arbitrary_url_fields',
      ],
      [
        { resource_type: 'arbitrary_url', external_id: 'x' },
        'resource.url',
        'attachment_arbitrary_url_fields',
      ],
    ];
    for (const [resource, field] of refused) {
      const r = await attach(resource);
      expect([resource, r.status, r.body.errors[0].source.field]).toEqual([resource, 422, field]);
    }
    expect(s.stats().liveRuleViolations.map((v) => v.rule)).toEqual(refused.map(([, , rule]) => rule));
    const link = await attach({
      resource_type: 'arbitrary_url',
      url: 'https://docs.example.com/x',
      title: 'Docs',
      emoji: 'book',
    });
    expectSpecValid('POST /v1/incident_attachments', link.status, link.body);
    const issue = await attach({ resource_type: 'jira_issue', external_id: 'E-2' });
    expectSpecValid('POST /v1/incident_attachments', issue.status, issue.body);
  });

  test('follow-up PUT: null unassigns, a left-out assignee stays, other fields left out are cleared', async () => {
    const s = await sim({ bucket: false });
    const db = s.resources();
    const [user] = db.users.all();
    const [team] = db.teams.all();
    const [priority] = FOLLOW_UP_PRIORITIES;
    const created = await post(s, '/v2/follow_ups', {
      incident_id: db.incidents.id(2),
      title: 'Owned',
      description: 'Steps',
      assignee_id: user.id,
      assignee_team_id: team.id,
      follow_up_priority_option_id: priority.id,
      follow_up_category_id: 'category-1',
      labels: ['a'],
    });
    const id = created.body.follow_up.id;
    // Left out: the assignees stay; description, labels, priority and category are cleared.
    const keep = await put(s, `/v2/follow_ups/${id}`, { title: 'Owned', status: 'outstanding' });
    expectSpecValid('PUT /v2/follow_ups/{id}', keep.status, keep.body);
    expect(keep.body.follow_up).toMatchObject({
      assignee: { id: user.id },
      assignee_team: { id: team.id },
      labels: [],
    });
    expect(keep.body.follow_up.description).toBeUndefined();
    expect(keep.body.follow_up.priority).toBeUndefined();
    expect(db.follow_ups.get(id)!._category_id).toBeUndefined();
    // null unassigns (valid against the spec: its description says to send null).
    const unassign = await put(s, `/v2/follow_ups/${id}`, {
      title: 'Owned',
      status: 'outstanding',
      assignee_id: null,
      assignee_team_id: null,
    });
    expectSpecValid('PUT /v2/follow_ups/{id}', unassign.status, unassign.body);
    expect(unassign.body.follow_up.assignee).toBeUndefined();
    expect(unassign.body.follow_up.assignee_team).toBeUndefined();
    // null where the spec does not say so is a spec error.
    const nullPriority = await put(s, `/v2/follow_ups/${id}`, {
      title: 'Owned',
      status: 'outstanding',
      follow_up_priority_option_id: null,
    });
    expect(nullPriority.status).toBe(422);
    expect(s.stats().invalidRequests.map((r) => r.route)).toEqual(['PUT /v2/follow_ups/{id}']);
    // status deleted: use DELETE.
    expect((await put(s, `/v2/follow_ups/${id}`, { title: 'Owned', status: 'deleted' })).status).toBe(422);
    expect(s.stats().liveRuleViolations.map((v) => v.rule)).toEqual(['follow_up_status_deleted']);
  });
});

describe('resources', () => {
  test('catalog entries and schedule overrides change without their parent updated_at moving', async () => {
    const s = await sim({ bucket: false });
    const db = s.resources();
    const types = new Map(db.catalog_types.all().map((t) => [t.id, t.updated_at]));
    const schedules = new Map(db.schedules.all().map((x) => [x.id, x.updated_at]));
    const entries = s.touch('catalog_entries', 3);
    const admin = await fetch(`${s.url}/_sim/touch`, {
      method: 'POST',
      body: JSON.stringify({ resource: 'schedule_overrides', count: 2 }),
    });
    const overrides = ((await admin.json()) as { ids: string[] }).ids;
    expect(entries).toHaveLength(3);
    expect(overrides).toHaveLength(2);
    for (const id of entries) {
      const e = db.catalog_entries.get(id)!;
      expect(Date.parse(String(e.updated_at))).toBeGreaterThan(
        Date.parse(String(types.get(e.catalog_type_id)))
      );
    }
    expect(new Map(db.catalog_types.all().map((t) => [t.id, t.updated_at]))).toEqual(types);
    expect(new Map(db.schedules.all().map((x) => [x.id, x.updated_at]))).toEqual(schedules);
  });

  test('records placed on exact times: incidents keep their ids and order, alerts their list order', async () => {
    const s = await sim({ bucket: false });
    const db = s.resources();
    const before = Array.from({ length: s.incidentCount() }, (_, i) => db.incidents.id(i));
    const mid = db.incidents.createdUs(150) / 1000;
    const day = Math.floor(mid / 86_400_000) * 86_400_000;
    const times = [new Date(day - 1).toISOString(), new Date(day).toISOString()];
    const ids = s.placeAt('incidents', times);
    expect(Array.from({ length: s.incidentCount() }, (_, i) => db.incidents.id(i))).toEqual(before);
    const shown = await Promise.all(
      ids.map(async (id) => (await call(s, `/v2/incidents/${id}`)).body.incident)
    );
    expect(shown.map((i) => i.created_at)).toEqual([
      times[0].replace('.999Z', '.999000Z'),
      times[1].replace('.000Z', 'Z'),
    ]);
    for (let i = 1; i < s.incidentCount(); i++) {
      expect(db.incidents.createdUs(i)).toBeGreaterThanOrEqual(db.incidents.createdUs(i - 1));
    }
    const admin = await fetch(`${s.url}/_sim/place`, {
      method: 'POST',
      body: JSON.stringify({ resource: 'alerts', at: times }),
    });
    const alertIds = ((await admin.json()) as { ids: string[] }).ids;
    expect(alertIds.map((id) => db.alerts.get(id)!.created_at)).toEqual([
      times[0].replace('.999Z', '.999000Z'),
      times[1].replace('.000Z', 'Z'),
    ]);
    const created = db.alerts.all().map((a) => Date.parse(String(a.created_at)));
    expect(created).toEqual([...created].sort((a, b) => a - b));
  });
});
