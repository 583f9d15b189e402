// The simulator's write routes, over plain HTTP: every 2xx body validates against its operation's
// schema in the official spec (read independently here), and the documented semantics hold: alert
// events authenticated by the source's token and deduplicated per source, catalog upsert by
// external_id, atomic bulk_update of at most 250, idempotent escalations and status page incidents,
// resolve as a no-op on a resolved alert.
import type { Simulator } from '../../simulator/src';
import { liveIncidentIds, startWriteSimulator, WRITER_KEY } from '../destination/helpers';
import { expectSpecValid } from '../helpers/spec-responses';

let sim: Simulator;
beforeAll(async () => {
  // A PUT with status "deleted" is sent on purpose: the spec says to use DELETE instead.
  sim = await startWriteSimulator({ seed: 31, expectLiveRuleViolations: ['follow_up_status_deleted'] });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  expect(sim.stats().invalidRequests).toEqual([]);
});

const db = () => sim.resources();

async function call(
  method: string,
  pathAndQuery: string,
  body?: unknown,
  auth: string | null = `Bearer ${WRITER_KEY}`
): Promise<{ status: number; body: any }> {
  const res = await fetch(sim.url + pathAndQuery, {
    method,
    headers: {
      ...(auth ? { Authorization: auth } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Calls a write route and checks its 2xx answer against the spec. */
async function ok(route: string, pathAndQuery: string, body?: unknown, auth?: string) {
  const r = await call(route.split(' ')[0], pathAndQuery, body, auth);
  if (r.status >= 300) throw new Error(`${route}: ${r.status} ${JSON.stringify(r.body)}`);
  expectSpecValid(route, r.status, r.body);
  return r.body;
}

describe('simulator write routes', () => {
  it('incident edit, follow-ups, actions and attachments answer spec-valid bodies', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const sev = db().severities.all()[2] as { id: string };
    const edited = await ok('POST /v2/incidents/{id}/actions/edit', `/v2/incidents/${a}/actions/edit`, {
      incident: { name: 'Edited', severity_id: sev.id, call_url: 'https://meet.example.com/x' },
      notify_incident_channel: false,
    });
    expect(edited.incident).toMatchObject({ id: a, name: 'Edited', severity: { id: sev.id } });
    const fu = await ok('POST /v2/follow_ups', '/v2/follow_ups', {
      incident_id: a,
      title: 'Write a runbook',
      labels: ['x'],
    });
    const updated = await ok('PUT /v2/follow_ups/{id}', `/v2/follow_ups/${fu.follow_up.id}`, {
      title: 'Write the runbook',
      status: 'completed',
    });
    expect(updated.follow_up).toMatchObject({
      status: 'completed',
      completed_at: expect.any(String),
      labels: [],
    });
    expect(
      (await call('PUT', `/v2/follow_ups/${fu.follow_up.id}`, { title: 'x', status: 'deleted' })).status
    ).toBe(422);
    await ok('POST /v2/actions', '/v2/actions', { incident_id: a, description: 'Roll back' });
    await ok('POST /v1/incident_attachments', '/v1/incident_attachments', {
      incident_id: a,
      resource: { resource_type: 'github_pull_request', external_id: 'acme/api#12' },
    });
    // An unknown incident is a 422 on the field, a deleted one too.
    const [deleted] = sim.deletedIncidentIds();
    const refused = await call('POST', '/v2/follow_ups', { incident_id: deleted, title: 'x' });
    expect(refused).toMatchObject({ status: 422, body: { errors: [{ source: { field: 'incident_id' } }] } });
  });

  it('alert events: token auth (not the API key), 202, one alert per key and source, resolved by key', async () => {
    const source = db().alert_sources.find((s) => s.source_type === 'http')!;
    const route = 'POST /v2/alert_events/http/{alert_source_config_id}';
    const url = `/v2/alert_events/http/${source.id}`;
    const event = { title: 'Queue backlog', status: 'firing', deduplication_key: 'queue-1' };
    expect((await call('POST', url, event)).status).toBe(401); // the API key is not the source's token
    expect((await call('POST', url, event, 'Bearer not-the-token')).status).toBe(401);
    expect((await call('POST', url, event, null)).status).toBe(401);
    const before = db().alerts.size;
    const first = await ok(route, url, event, `Bearer ${source.secret_token}`);
    expect(first).toEqual({
      deduplication_key: 'queue-1',
      message: 'Event accepted for processing',
      status: 'success',
    });
    await ok(route, `${url}?token=${source.secret_token}`, { ...event, title: 'Queue backlog (worse)' }, '');
    expect(db().alerts.size - before).toBe(1);
    expect(db().alerts.find((x) => x.deduplication_key === 'queue-1')!.title).toBe('Queue backlog (worse)');
    await ok(route, url, { ...event, status: 'resolved' }, `Bearer ${source.secret_token}`);
    const alert = db().alerts.find((x) => x.deduplication_key === 'queue-1')!;
    expect(alert).toMatchObject({ status: 'resolved', resolved_at: expect.any(String) });
    // Resolving an already resolved alert changes nothing.
    const resolved = await ok(
      'POST /v2/alerts/{id}/actions/resolve',
      `/v2/alerts/${alert.id}/actions/resolve`
    );
    expect(resolved.alert).toMatchObject({
      status: 'resolved',
      resolved_at: alert.resolved_at,
      updated_at: alert.updated_at,
    });
    const note = await ok('POST /v1/alert_notes', '/v1/alert_notes', {
      alert_id: alert.id,
      content: 'Cleared',
    });
    expect(note.alert_note).toMatchObject({ alert_id: alert.id, content: 'Cleared' });
    // A non-HTTP source refuses events.
    const dd = db().alert_sources.find((s) => s.source_type === 'datadog')!;
    expect(
      (await call('POST', `/v2/alert_events/http/${dd.id}`, event, `Bearer ${dd.secret_token}`)).status
    ).toBe(422);
  });

  it('catalog: upsert by external_id, atomic bulk_update of 1..250 (204), delete (204)', async () => {
    const type = db().catalog_types.find((t) => t.name === 'Region')!;
    const provider = type.schema.attributes[0].id;
    const entry = (external_id: string, literal: string) => ({
      catalog_type_id: type.id,
      external_id,
      name: external_id.toUpperCase(),
      attribute_values: { [provider]: { value: { literal } } },
    });
    const created = await ok('POST /v3/catalog_entries', '/v3/catalog_entries', entry('me-1', 'aws'));
    const again = await ok('POST /v3/catalog_entries', '/v3/catalog_entries', entry('me-1', 'gcp'));
    expect(again.catalog_entry.id).toBe(created.catalog_entry.id);
    expect(db().catalog_entries.filter((e) => e.external_id === 'me-1')).toHaveLength(1);
    await ok('PUT /v3/catalog_entries/{id}', `/v3/catalog_entries/${created.catalog_entry.id}`, {
      name: 'ME 1',
      attribute_values: {},
      update_attributes: [],
    });
    const other = await ok('POST /v3/catalog_entries', '/v3/catalog_entries', entry('me-2', 'aws'));
    const bulk = 'POST /v3/catalog_entries/actions/bulk_update';
    const item = (id: string, literal: string) => ({
      entry_id: id,
      attribute_values: { [provider]: { value: { literal } } },
    });
    // One bad entry: nothing changes.
    const refused = await call('POST', '/v3/catalog_entries/actions/bulk_update', {
      catalog_type_id: type.id,
      entries: [item(other.catalog_entry.id, 'azure'), item('no-such-entry', 'azure')],
    });
    expect(refused).toMatchObject({
      status: 422,
      body: { errors: [{ source: { field: 'entries.1.entry_id' } }] },
    });
    expect(JSON.stringify(db().catalog_entries.get(other.catalog_entry.id)!.attribute_values)).toContain(
      'aws'
    );
    await ok(bulk, '/v3/catalog_entries/actions/bulk_update', {
      catalog_type_id: type.id,
      entries: [item(other.catalog_entry.id, 'azure'), item(created.catalog_entry.id, 'azure')],
    });
    expect(JSON.stringify(db().catalog_entries.get(other.catalog_entry.id)!.attribute_values)).toContain(
      'azure'
    );
    // More than 250 entries is refused by the spec itself.
    sim.resetStats();
    const tooMany = await call('POST', '/v3/catalog_entries/actions/bulk_update', {
      catalog_type_id: type.id,
      entries: Array.from({ length: 251 }, () => item(other.catalog_entry.id, 'x')),
    });
    expect(tooMany.status).toBe(422);
    expect(sim.stats().invalidRequests).toHaveLength(1);
    sim.resetStats();
    await ok('DELETE /v3/catalog_entries/{id}', `/v3/catalog_entries/${other.catalog_entry.id}`);
    expect(db().catalog_entries.get(other.catalog_entry.id)).toBeUndefined();
  });

  it('custom field options, escalations (idempotent), overrides and status page incidents (idempotent)', async () => {
    const field = db().custom_fields.find((f) => f.field_type === 'single_select')!;
    const opt = await ok('POST /v1/custom_field_options', '/v1/custom_field_options', {
      custom_field_id: field.id,
      value: 'Legal',
    });
    expect(
      (await call('POST', '/v1/custom_field_options', { custom_field_id: field.id, value: 'Legal' })).status
    ).toBe(422);
    await ok('PUT /v1/custom_field_options/{id}', `/v1/custom_field_options/${opt.custom_field_option.id}`, {
      value: 'Legal',
      sort_key: 7,
    });
    const path0 = db().escalation_paths.all()[0];
    const esc = { idempotency_key: 'sim-esc-1', title: 'Help', escalation_path_id: path0.id };
    const e1 = await ok('POST /v2/escalations', '/v2/escalations', esc);
    const e2 = await ok('POST /v2/escalations', '/v2/escalations', { ...esc, title: 'Changed' });
    expect(e2.escalation).toEqual(e1.escalation);
    const users = db()
      .users.all()
      .slice(0, 2)
      .map((u) => u.id);
    await ok('POST /v2/escalations', '/v2/escalations', {
      idempotency_key: 'sim-esc-2',
      title: 'Direct',
      user_ids: users,
    });
    const schedule = db().schedules.all()[0];
    const rotation = schedule.config.rotations[0];
    await ok('POST /v2/schedule_overrides', '/v2/schedule_overrides', {
      schedule_id: schedule.id,
      rotation_id: rotation.id,
      layer_id: rotation.layers[0].id,
      user: { email: db().users.all()[0].email },
      start_at: '2027-03-01T09:00:00Z',
      end_at: '2027-03-01T17:00:00Z',
    });
    const page = db().status_pages.all()[0];
    const structure = await ok(
      'GET /v2/status_page_structures/{status_page_id}',
      `/v2/status_page_structures/${page.id}`
    );
    const component = structure.current_structure.items[0].component;
    const spi = {
      status_page_id: page.id,
      name: 'Slow',
      message: 'Looking',
      incident_status: 'investigating',
      idempotency_key: 'sim-spi-1',
      notify_subscribers: false,
      component_statuses: [{ component_id: component.component_id, component_status: 'partial_outage' }],
    };
    const s1 = await ok('POST /v2/status_page_incidents', '/v2/status_page_incidents', spi);
    const s2 = await ok('POST /v2/status_page_incidents', '/v2/status_page_incidents', {
      ...spi,
      name: 'Other',
    });
    expect(s2.status_page_incident).toEqual(s1.status_page_incident);
    // The list route still validates with the created incident in it.
    const list = await call('GET', `/v2/status_page_incidents?status_page_id=${page.id}&page_size=250`);
    expect(list.body.status_page_incidents.map((i: { id: string }) => i.id)).toContain(
      s1.status_page_incident.id
    );
  });

  it('lists and shows stay spec-valid with the written records in them', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const alert = db().alerts.find((x) => x.deduplication_key === 'queue-1')!;
    const schedule = db().schedules.all()[0];
    const reads: Array<[string, string]> = [
      ['GET /v2/follow_ups', `/v2/follow_ups?incident_id=${a}`],
      ['GET /v2/actions', `/v2/actions?incident_id=${a}`],
      ['GET /v1/incident_attachments', `/v1/incident_attachments?incident_id=${a}`],
      ['GET /v2/incidents/{id}', `/v2/incidents/${a}`],
      ['GET /v2/alerts/{id}', `/v2/alerts/${alert.id}`],
      ['GET /v1/alert_notes', `/v1/alert_notes?alert_id=${alert.id}`],
      ['GET /v2/escalations', '/v2/escalations?page_size=50'],
      ['GET /v2/schedule_overrides', `/v2/schedule_overrides?schedule_id=${schedule.id}&page_size=250`],
      [
        'GET /v3/catalog_entries',
        `/v3/catalog_entries?catalog_type_id=${db().catalog_types.find((t) => t.name === 'Region')!.id}&page_size=250`,
      ],
      [
        'GET /v1/custom_field_options',
        `/v1/custom_field_options?custom_field_id=${db().custom_fields.all()[0].id}`,
      ],
    ];
    for (const [route, url] of reads) {
      const r = await call('GET', url);
      expectSpecValid(route, r.status, r.body);
    }
  });
});
