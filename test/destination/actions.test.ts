// Every destination action against the simulator: valid records land (once: a replay creates nothing),
// invalid ones are rejected with the field path and never sent, and an API refusal comes back as a
// failed result with its status and request_id. Every request is valid against the official spec.
import type { WriteResult } from '../../src';
import type { Simulator } from '../../simulator/src';
import { FOLLOW_UP_PRIORITIES } from '../../simulator/src/config';
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
  sim = await startWriteSimulator();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  h = new Harness(sim);
  sim.clearFaults();
  sim.resetStats();
});
afterEach(async () => {
  await h.close();
  // Whatever a test sent, it was valid against its operation in the official spec.
  expect(sim.stats().invalidRequests).toEqual([]);
});

const db = () => sim.resources();

function expectRefusal(r: WriteResult, status: number): void {
  expect(r).toMatchObject({ status: 'failed', httpStatus: status });
  expect((r as { requestId?: string }).requestId).toMatch(/^[0-9a-f-]{36}$/);
}

describe('update_incident', () => {
  it('edits only the given fields, by id or reference, with names resolved', async () => {
    const [id, id2] = liveIncidentIds(sim, 'standard');
    const ref = `INC-${db().incidents.indexOfId(id2)! + 1}`;
    const before = db().incidents.render(db().incidents.indexOfId(id2)!) as { name: string };
    const results = await h.write({ action: 'update_incident' }, [
      {
        incident_id: id,
        severity: 'critical',
        summary: 'Edited by the connector',
        custom_fields: {
          'Affected Team': 'Payments',
          'Revenue at risk': 1200,
          Runbook: 'https://rb.example.com',
        },
        roles: { 'Incident Lead': 'lisa.karlin.curtis@example.com' },
      },
      {
        incident_id: ref,
        custom_fields: { Service: 'Checkout API', 'Affected Components': ['API', 'Webhooks'] },
      },
    ]);
    expect(outcomes(results)).toEqual(['updated', 'updated']);
    expect(ids(results)).toEqual([id, id2]);
    const edited = db().incidents.render(db().incidents.indexOfId(id)!) as Record<string, any>;
    expect(edited.severity.name).toBe('Critical');
    expect(edited.summary).toBe('Edited by the connector');
    const second = db().incidents.render(db().incidents.indexOfId(id2)!) as Record<string, any>;
    expect(second.name).toBe(before.name);
    expect(h.count('POST /v2/incidents/{id}/actions/edit')).toBe(2);
  });

  it('rejects unknown names, unknown incidents and empty edits without sending', async () => {
    const [id] = liveIncidentIds(sim);
    const results = await h.write({ action: 'update_incident' }, [
      { incident_id: id, severity: 'Apocalyptic', status: 'Nope' },
      { incident_id: 'INC-999999', name: 'x' },
      { incident_id: id },
      { incident_id: id, custom_fields: { 'Affected Team': 'Marketing' }, roles: { Boss: 'a@b.c' } },
      { name: 'no id' },
    ]);
    expect(statuses(results)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected']);
    expect(fields(results[0])).toEqual(['/severity', '/status']);
    expect((results[0] as { message: string }).message).toMatch(/valid names: Minor, Major, Critical/);
    expect(fields(results[1])).toEqual(['/incident_id']);
    expect(fields(results[2])).toEqual(['/']);
    expect(fields(results[3])).toEqual(['/custom_fields/Affected Team', '/roles/Boss']);
    expect((results[3] as { message: string }).message).toMatch(/valid names: Payments, Platform/);
    expect(fields(results[4])).toEqual(['/incident_id']);
    expect(h.count('POST /v2/incidents/{id}/actions/edit')).toBe(0);
  });

  it('reports a refusal with its request_id', async () => {
    const [id] = liveIncidentIds(sim);
    const results = await h.write({ action: 'update_incident' }, [{ incident_id: id, name: 'x' }], {
      apiKey: READER_KEY,
    });
    expectRefusal(results[0], 403);
    expect((results[0] as { message: string }).message).toMatch(/incident_editor/);
  });
});

describe('send_alert_event', () => {
  const source = () => db().alert_sources.find((s) => s.name === 'Checkout HTTP alerts')!;

  it('sends firing then resolved events with the source token looked up; one alert per key', async () => {
    const before = db().alerts.size;
    const firing = [
      { alert_source: 'Checkout HTTP alerts', title: 'Disk full on db-1', metadata: { host: 'db-1' } },
      { alert_source: 'checkout http alerts', title: 'CPU high', deduplication_key: 'cpu-web-1' },
    ];
    const r1 = await h.write({ action: 'send_alert_event' }, firing);
    expect(outcomes(r1)).toEqual(['created', 'created']);
    expect(db().alerts.size - before).toBe(2);
    // Replayed: still one alert per key.
    const r2 = await h.write({ action: 'send_alert_event' }, firing);
    expect(ids(r2)).toEqual(ids(r1));
    expect(db().alerts.size - before).toBe(2);
    // "resolved" with the same record (status aside) resolves the same alert.
    await h.write({ action: 'send_alert_event' }, [{ ...firing[0], status: 'resolved' }]);
    const alert = db().alerts.find((a) => a.deduplication_key === (r1[0] as { id: string }).id)!;
    expect(alert).toMatchObject({ status: 'resolved', alert_source_id: source().id });
    expect(db().alerts.size - before).toBe(2);
  });

  it('uses the alert source token from the config (never the API key) and says when it is wrong', async () => {
    const config = {
      action: 'send_alert_event',
      alert_source: source().id,
      alert_source_token: source().secret_token,
    };
    const ok = await h.write(config, [{ title: 'From config token' }]);
    expect(outcomes(ok)).toEqual(['created']);
    // No alert source lookup with the API key was needed.
    expect(h.count('GET /v2/alert_sources')).toBe(0);
    const bad = await h.write({ ...config, alert_source_token: 'wrong-token' }, [{ title: 'x' }]);
    expectRefusal(bad[0], 401);
    expect((bad[0] as { message: string }).message).toMatch(/alert source's token/);
    expect(JSON.stringify(bad)).not.toContain('wrong-token');
  });

  it('rejects records without a title, for unknown or non-HTTP sources, without sending', async () => {
    const results = await h.write({ action: 'send_alert_event' }, [
      { alert_source: 'Checkout HTTP alerts' },
      { alert_source: 'Datadog production', title: 'x' },
      { alert_source: 'Nowhere', title: 'x', status: 'open' },
      { title: 'no source' },
    ]);
    expect(statuses(results)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(fields(results[0])).toEqual(['/title']);
    expect(fields(results[1])).toEqual(['/alert_source']);
    expect(fields(results[2])).toEqual(['/status']);
    expect(fields(results[3])).toEqual(['/alert_source']);
    expect(h.count('POST /v2/alert_events/http/{alert_source_config_id}')).toBe(0);
  });
});

describe('upsert_catalog_entries (one request per record)', () => {
  const config = { action: 'upsert_catalog_entries', catalog: { batch: false } };
  const team = () => db().catalog_entries.find((e) => e.external_id === 'team-payments')!;

  it('creates, then updates in place by external_id', async () => {
    const records = [
      {
        catalog_type: 'Service',
        external_id: 'svc-ledger',
        name: 'Ledger',
        attributes: { Tier: 1, Tags: 'money', Owner: team().id },
      },
      {
        catalog_type: 'Custom["Service"]',
        external_id: 'svc-router',
        name: 'Router',
        aliases: ['rt'],
        rank: 3,
      },
    ];
    const r1 = await h.write(config, records);
    expect(outcomes(r1)).toEqual(['created', 'created']);
    const r2 = await h.write(config, [{ ...records[0], name: 'Ledger v2' }, records[1]]);
    expect(outcomes(r2)).toEqual(['updated', 'updated']);
    expect(ids(r2)).toEqual(ids(r1));
    const entry = db().catalog_entries.get((r1[0] as { id: string }).id)!;
    expect(entry.name).toBe('Ledger v2');
    expect(Object.values(entry.attribute_values)).toEqual(
      expect.arrayContaining([{ array_value: [{ label: 'money', literal: 'money' }] }])
    );
    expect(db().catalog_entries.filter((e) => e.external_id === 'svc-ledger')).toHaveLength(1);
  });

  it('rejects unknown types and attributes and misshapen values without sending', async () => {
    const results = await h.write(config, [
      { catalog_type: 'Planet', external_id: 'x', name: 'x' },
      { catalog_type: 'Service', external_id: 'x', name: 'x', attributes: { Colour: 'red', Tier: [1, 2] } },
      { catalog_type: 'Service', name: 'no external id' },
    ]);
    expect(statuses(results)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(fields(results[0])).toEqual(['/catalog_type']);
    expect((results[0] as { message: string }).message).toMatch(
      /valid names: Team, Service, Customer, Region/
    );
    expect(fields(results[1])).toEqual(['/attributes/Colour', '/attributes/Tier']);
    expect(fields(results[2])).toEqual(['/external_id']);
    expect(h.count('POST /v3/catalog_entries')).toBe(0);
  });

  it('reports a refusal with its request_id', async () => {
    sim.addFault({ route: 'POST /v3/catalog_entries', kind: 'forbid' });
    const results = await h.write(config, [{ catalog_type: 'Region', external_id: 'eu-1', name: 'EU 1' }]);
    expectRefusal(results[0], 403);
  });
});

describe('create_follow_up and update_follow_up', () => {
  it('creates once per (incident, title), in the same run and on a replay, and finds test incidents too', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const [t] = liveIncidentIds(sim, 'test');
    const records = [
      {
        incident_id: a,
        title: 'Add a runbook',
        assignee: 'chris.evans@example.com',
        assignee_team: 'Payments',
        labels: ['ops'],
      },
      { incident_id: a, title: 'Add a runbook' },
      { incident_id: t, title: 'Fix the test incident', description: 'Markdown **ok**' },
      { incident_id: a, title: 'Tracked elsewhere', external_reference: 'JIRA-42' },
    ];
    const r1 = await h.write({ action: 'create_follow_up', concurrency: 4 }, records);
    expect(outcomes(r1)).toEqual(['created', 'existing', 'created', 'created']);
    expect(ids(r1)[1]).toBe(ids(r1)[0]);
    const r2 = await h.write({ action: 'create_follow_up' }, [
      ...records,
      { ...records[3], title: 'Renamed' },
    ]);
    expect(outcomes(r2)).toEqual(['existing', 'existing', 'existing', 'existing', 'existing']);
    expect(ids(r2)[4]).toBe(ids(r1)[3]);
    expect(db().follow_ups.filter((f) => f.incident_id === a && f.title === 'Add a runbook')).toHaveLength(1);
    expect(db().follow_ups.get(ids(r1)[0]!)).toMatchObject({
      labels: ['ops'],
      assignee: { email: 'chris.evans@example.com' },
    });
    expect(h.count('POST /v2/follow_ups')).toBe(3);
  });

  it('updates by (incident, title), by external reference or by id; unchanged ones are not written', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const created = await h.write({ action: 'create_follow_up' }, [
      { incident_id: a, title: 'Rotate the keys' },
      { incident_id: a, title: 'Ref me', external_reference: 'REF-7' },
    ]);
    sim.resetStats();
    const updates = [
      {
        incident_id: a,
        match_title: 'Rotate the keys',
        status: 'completed',
        assignee: 'rory.malcolm@example.com',
      },
      { incident_id: a, external_reference: 'REF-7', title: 'Referenced', priority_id: null },
      { follow_up_id: ids(created)[0], labels: ['security'] },
    ];
    const r1 = await h.write({ action: 'update_follow_up', concurrency: 1 }, updates);
    expect(outcomes(r1)).toEqual(['updated', 'updated', 'updated']);
    expect(db().follow_ups.get(ids(created)[0]!)).toMatchObject({
      status: 'completed',
      labels: ['security'],
      assignee: { email: 'rory.malcolm@example.com' },
    });
    expect(db().follow_ups.get(ids(created)[1]!)).toMatchObject({
      title: 'Referenced',
      labels: ['ref:REF-7'],
    });
    // The same updates again: nothing to change.
    const r2 = await h.write({ action: 'update_follow_up' }, [updates[0], updates[2]]);
    expect(outcomes(r2)).toEqual(['unchanged', 'unchanged']);
    expect(h.count('PUT /v2/follow_ups/{id}')).toBe(3);
    // A rename replayed (after a crash, say) finds the follow-up under its new title; labels set by
    // a record keep the reference label the follow-up is found by.
    const rename = { incident_id: a, match_title: 'Rotate the keys', title: 'Rotate every key' };
    expect(outcomes(await h.write({ action: 'update_follow_up' }, [rename]))).toEqual(['updated']);
    expect(outcomes(await h.write({ action: 'update_follow_up' }, [rename]))).toEqual(['unchanged']);
    await h.write({ action: 'update_follow_up' }, [
      { incident_id: a, external_reference: 'REF-7', labels: ['new'] },
    ]);
    expect(db().follow_ups.get(ids(created)[1]!)).toMatchObject({ labels: ['new', 'ref:REF-7'] });
  });

  it('unassigns with an explicit null and keeps what the record leaves out (description, priority, labels)', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const [priority] = FOLLOW_UP_PRIORITIES;
    const created = await h.write({ action: 'create_follow_up' }, [
      {
        incident_id: a,
        title: 'Owned and described',
        description: 'Steps **here**',
        assignee: 'chris.evans@example.com',
        assignee_team: 'Payments',
        priority_id: priority.id,
        labels: ['ops'],
      },
    ]);
    const id = ids(created)[0]!;
    const unassign = { follow_up_id: id, assignee: null, assignee_team: null };
    expect(outcomes(await h.write({ action: 'update_follow_up' }, [unassign]))).toEqual(['updated']);
    const after = db().follow_ups.get(id)!;
    expect(after.assignee).toBeUndefined();
    expect(after.assignee_team).toBeUndefined();
    expect(after).toMatchObject({
      description: 'Steps **here**',
      priority: { id: priority.id },
      labels: ['ops'],
    });
    // Nothing left to unassign: not written again.
    expect(outcomes(await h.write({ action: 'update_follow_up' }, [unassign]))).toEqual(['unchanged']);
    // A record that changes only the title keeps the rest; priority_id null clears the priority.
    await h.write({ action: 'update_follow_up' }, [{ follow_up_id: id, title: 'Retitled' }]);
    expect(db().follow_ups.get(id)).toMatchObject({
      title: 'Retitled',
      description: 'Steps **here**',
      priority: { id: priority.id },
    });
    await h.write({ action: 'update_follow_up' }, [{ follow_up_id: id, priority_id: null }]);
    expect(db().follow_ups.get(id)!.priority).toBeUndefined();
    expect(db().follow_ups.get(id)!.description).toBe('Steps **here**');
  });

  it('rejects unknown incidents, users, teams and follow-ups without sending', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const [deleted] = sim.deletedIncidentIds();
    const created = await h.write({ action: 'create_follow_up' }, [
      { incident_id: 'INC-424242', title: 'x' },
      { incident_id: a, title: 'x', assignee: 'nobody@example.com', assignee_team: 'Marketing' },
      { incident_id: deleted, title: 'x' },
      { incident_id: a },
    ]);
    expect(statuses(created)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(fields(created[0])).toEqual(['/incident_id']);
    expect(fields(created[1])).toEqual(['/assignee', '/assignee_team']);
    expect(fields(created[2])).toEqual(['/incident_id']);
    expect(fields(created[3])).toEqual(['/title']);
    const updated = await h.write({ action: 'update_follow_up' }, [
      { incident_id: a, match_title: 'No such follow-up', status: 'completed' },
      { status: 'completed' },
      { follow_up_id: 'nope', status: 'deleted' },
      { follow_up_id: 'nope', title: 'x' },
    ]);
    expect(statuses(updated)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(fields(updated[0])).toEqual(['/match_title']);
    expect(fields(updated[1])).toEqual(['/follow_up_id']);
    expect(fields(updated[2])).toEqual(['/status']);
    expect(fields(updated[3])).toEqual(['/follow_up_id']);
    expect(h.count('POST /v2/follow_ups') + h.count('PUT /v2/follow_ups/{id}')).toBe(0);
  });

  it('reports refusals with their request_id', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    sim.addFault({ route: 'POST /v2/follow_ups', kind: 'forbid' });
    const r = await h.write({ action: 'create_follow_up' }, [{ incident_id: a, title: 'Refused' }]);
    expectRefusal(r[0], 403);
    const existing = db().follow_ups.find((f) => f.incident_id === a)!;
    sim.addFault({ route: 'PUT /v2/follow_ups/{id}', kind: 'forbid' });
    const u = await h.write({ action: 'update_follow_up' }, [
      { follow_up_id: existing.id, title: 'Refused too' },
    ]);
    expectRefusal(u[0], 403);
  });
});

describe('create_action', () => {
  it('creates once per (incident, description)', async () => {
    const [a, b] = liveIncidentIds(sim, 'standard');
    const records = [
      { incident_id: a, description: 'Roll back the deploy', assignee: 'martha.lambert@example.com' },
      { incident_id: b, description: 'Roll back the deploy' },
      { incident_id: a, description: '  Roll back the deploy ' },
    ];
    const r1 = await h.write({ action: 'create_action' }, records);
    expect(outcomes(r1)).toEqual(['created', 'created', 'existing']);
    const r2 = await h.write({ action: 'create_action' }, records);
    expect(outcomes(r2)).toEqual(['existing', 'existing', 'existing']);
    expect(h.count('POST /v2/actions')).toBe(2);
    expect(db().actions.get(ids(r1)[0]!)).toMatchObject({
      assignee: { email: 'martha.lambert@example.com' },
    });
  });

  it('rejects, then reports a refusal', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const r = await h.write({ action: 'create_action' }, [
      { incident_id: a },
      { incident_id: a, description: 'x', assignee: 'ghost' },
    ]);
    expect(fields(r[0])).toEqual(['/description']);
    expect(fields(r[1])).toEqual(['/assignee']);
    expect(h.count('POST /v2/actions')).toBe(0);
    sim.addFault({ route: 'POST /v2/actions', kind: 'forbid' });
    expectRefusal(
      (await h.write({ action: 'create_action' }, [{ incident_id: a, description: 'Refused' }]))[0],
      403
    );
  });
});

describe('create_custom_field_option', () => {
  it('upserts by value: created, existing, updated sort key', async () => {
    const r1 = await h.write({ action: 'create_custom_field_option' }, [
      { custom_field: 'Affected Team', value: 'Security', sort_key: 60 },
      { custom_field: 'affected team', value: 'Security' },
      { custom_field: 'Affected Team', value: 'Payments' },
    ]);
    expect(outcomes(r1)).toEqual(['created', 'existing', 'existing']);
    const r2 = await h.write({ action: 'create_custom_field_option' }, [
      { custom_field: 'Affected Team', value: 'Security', sort_key: 5 },
    ]);
    expect(outcomes(r2)).toEqual(['updated']);
    expect(db().custom_field_options.filter((o) => o.value === 'Security')).toEqual([
      expect.objectContaining({ sort_key: 5 }),
    ]);
  });

  it('rejects non-select fields and bad values, then reports a refusal', async () => {
    const r = await h.write({ action: 'create_custom_field_option' }, [
      { custom_field: 'Customer Impact', value: 'x' },
      { custom_field: 'Affected Team', value: ' padded' },
      { custom_field: 'Affected Team', value: 'tab\tinside' },
      { custom_field: 'Nope', value: 'x' },
    ]);
    expect(r.map(fields)).toEqual([['/custom_field'], ['/value'], ['/value'], ['/custom_field']]);
    expect(h.count('POST /v1/custom_field_options')).toBe(0);
    sim.addFault({ route: 'POST /v1/custom_field_options', kind: 'forbid' });
    const refused = await h.write({ action: 'create_custom_field_option' }, [
      { custom_field: 'Affected Team', value: 'Legal' },
    ]);
    expectRefusal(refused[0], 403);
  });
});

describe('create_incident_attachment', () => {
  it('attaches once per (incident, type, external id or url)', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const records = [
      { incident_id: a, resource_type: 'jira_issue', external_id: 'ENG-1' },
      {
        incident_id: a,
        resource_type: 'arbitrary_url',
        url: 'https://status.example.com/x',
        title: 'Status',
      },
      { incident_id: a, resource_type: 'github_pull_request', external_id: 'ENG-1' },
    ];
    const r1 = await h.write({ action: 'create_incident_attachment' }, records);
    expect(outcomes(r1)).toEqual(['created', 'created', 'created']);
    const r2 = await h.write({ action: 'create_incident_attachment' }, records);
    expect(outcomes(r2)).toEqual(['existing', 'existing', 'existing']);
    expect(ids(r2)).toEqual(ids(r1));
  });

  it('rejects, then reports a refusal', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const r = await h.write({ action: 'create_incident_attachment' }, [
      { incident_id: a, resource_type: 'jira_issue' },
      { incident_id: a, resource_type: 'fax', external_id: '1' },
    ]);
    expect(r.map(fields)).toEqual([['/external_id'], ['/resource_type']]);
    expect(h.count('POST /v1/incident_attachments')).toBe(0);
    // The spec's rules: exactly one of external_id and url; title and emoji only for arbitrary_url,
    // which needs a url. Rejected unsent, naming the field.
    const rules = await h.write({ action: 'create_incident_attachment' }, [
      {
        incident_id: a,
        resource_type: 'jira_issue',
        external_id: 'ENG-2',
        url: 'https://jira.example.com/ENG-2',
      },
      { incident_id: a, resource_type: 'jira_issue', external_id: 'ENG-3', title: 'ENG-3' },
      { incident_id: a, resource_type: 'sentry_issue', external_id: 'S-1', emoji: 'rocket' },
      { incident_id: a, resource_type: 'arbitrary_url', external_id: 'x', title: 'Docs' },
    ]);
    expect(rules.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(rules.map(fields)).toEqual([['/url'], ['/title'], ['/emoji'], ['/url']]);
    expect(h.count('POST /v1/incident_attachments')).toBe(0);
    sim.addFault({ route: 'POST /v1/incident_attachments', kind: 'forbid' });
    const refused = await h.write({ action: 'create_incident_attachment' }, [
      { incident_id: a, resource_type: 'sentry_issue', external_id: 'S-9' },
    ]);
    expectRefusal(refused[0], 403);
  });
});

describe('create_escalation', () => {
  it('escalates by path or to users, once per idempotency key', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    const records = [
      { title: 'Database down', escalation_path: 'platform escalation', incident_id: a },
      { title: 'Need eyes', users: ['lisa.karlin.curtis@example.com', 'pete.hamilton@example.com'] },
      { title: 'Own key', escalation_path: 'SRE escalation', idempotency_key: 'esc-own-1' },
    ];
    const r1 = await h.write({ action: 'create_escalation' }, records);
    expect(outcomes(r1)).toEqual(['created', 'created', 'created']);
    const r2 = await h.write({ action: 'create_escalation' }, records);
    expect(outcomes(r2)).toEqual(['existing', 'existing', 'existing']);
    expect(ids(r2)).toEqual(ids(r1));
    expect(db().escalations.filter((e) => e._idempotency_key === 'esc-own-1')).toHaveLength(1);
  });

  it('rejects bad targets, then reports a refusal for a key without the role', async () => {
    const r = await h.write({ action: 'create_escalation' }, [
      { title: 'x', escalation_path: 'Nope escalation' },
      { title: 'x', escalation_path: 'SRE escalation', users: ['lisa.karlin.curtis@example.com'] },
      { title: 'x' },
      { title: 'x', users: ['ghost@example.com'] },
    ]);
    expect(r.map(fields)).toEqual([['/escalation_path'], ['/users'], ['/escalation_path'], ['/users/0']]);
    expect((r[0] as { message: string }).message).toMatch(
      /valid names: Platform escalation, Payments escalation/
    );
    expect(h.count('POST /v2/escalations')).toBe(0);
    const refused = await h.write(
      { action: 'create_escalation' },
      [{ title: 'x', escalation_path: 'SRE escalation' }],
      {
        apiKey: sim.apiKey,
      }
    );
    expectRefusal(refused[0], 403);
    expect((refused[0] as { message: string }).message).toMatch(/escalation_creator/);
  });
});

describe('create_schedule_override', () => {
  it('overrides a layer once per (user, window), rotation and layer by name or implied', async () => {
    const records = [
      {
        schedule: 'Platform on-call',
        user: 'kenji.watanabe@example.com',
        start_at: '2027-01-04T09:00:00Z',
        end_at: '2027-01-04T17:00:00Z',
      },
      {
        schedule: 'Payments on-call',
        rotation: 'Daily',
        layer: 'secondary',
        user: 'ana.ribeiro@example.com',
        start_at: '2027-01-05T09:00:00Z',
        end_at: '2027-01-05T17:00:00.000Z',
      },
    ];
    const r1 = await h.write({ action: 'create_schedule_override' }, records);
    expect(outcomes(r1)).toEqual(['created', 'created']);
    const r2 = await h.write({ action: 'create_schedule_override' }, records);
    expect(outcomes(r2)).toEqual(['existing', 'existing']);
    expect(h.count('POST /v2/schedule_overrides')).toBe(2);
  });

  it('rejects bad windows and names, then reports a refusal', async () => {
    const window = { start_at: '2027-02-01T10:00:00Z', end_at: '2027-02-01T12:00:00Z' };
    const r = await h.write({ action: 'create_schedule_override' }, [
      {
        schedule: 'Platform on-call',
        user: 'kenji.watanabe@example.com',
        start_at: window.end_at,
        end_at: window.start_at,
      },
      { schedule: 'Payments on-call', user: 'kenji.watanabe@example.com', ...window },
      { schedule: 'Nope', user: 'ghost@example.com', ...window },
      {
        schedule: 'Platform on-call',
        user: 'kenji.watanabe@example.com',
        start_at: 'tomorrow',
        end_at: window.end_at,
      },
    ]);
    expect(r.map(fields)).toEqual([['/end_at'], ['/layer'], ['/schedule', '/user'], ['/start_at']]);
    expect((r[1] as { message: string }).message).toMatch(/Primary, Secondary/);
    expect(h.count('POST /v2/schedule_overrides')).toBe(0);
    sim.addFault({ route: 'POST /v2/schedule_overrides', kind: 'forbid' });
    const refused = await h.write({ action: 'create_schedule_override' }, [
      { schedule: 'Platform on-call', user: 'kenji.watanabe@example.com', ...window },
    ]);
    expectRefusal(refused[0], 403);
  });
});

describe('resolve_alert and create_alert_note', () => {
  async function fire(titles: string[]): Promise<string[]> {
    const r = await h.write(
      { action: 'send_alert_event', alert_source: 'Checkout HTTP alerts' },
      titles.map((title) => ({ title, deduplication_key: `key-${title}` }))
    );
    return r.map((x) => db().alerts.find((a) => a.deduplication_key === (x as { id: string }).id)!.id);
  }

  it('resolves by id or by deduplication key; already resolved is unchanged', async () => {
    const [a1, a2] = await fire(['resolve-1', 'resolve-2']);
    const r1 = await h.write({ action: 'resolve_alert' }, [
      { alert_id: a1 },
      { deduplication_key: 'key-resolve-2', alert_source: 'Checkout HTTP alerts' },
    ]);
    expect(outcomes(r1)).toEqual(['updated', 'updated']);
    expect(ids(r1)).toEqual([a1, a2]);
    expect(db().alerts.get(a1)!.status).toBe('resolved');
    const r2 = await h.write({ action: 'resolve_alert' }, [
      { alert_id: a1 },
      { deduplication_key: 'key-resolve-2' },
    ]);
    expect(outcomes(r2)).toEqual(['unchanged', 'unchanged']);
  });

  it('rejects records naming no alert, and reports the 422 of an externally resolved alert', async () => {
    const r = await h.write({ action: 'resolve_alert' }, [
      {},
      { alert_id: 'x', deduplication_key: 'y' },
      { deduplication_key: 'never-seen' },
    ]);
    expect(r.map(fields)).toEqual([['/alert_id'], ['/deduplication_key'], ['/deduplication_key']]);
    expect(h.count('POST /v2/alerts/{id}/actions/resolve')).toBe(0);
    const datadog = db().alert_sources.find((s) => s.source_type === 'datadog')!;
    const now = new Date().toISOString();
    const alert = db().alerts.insert({
      id: db().newId('alerts'),
      alert_source_id: datadog.id,
      title: 'Monitor triggered',
      deduplication_key: 'dd-1',
      status: 'firing',
      attributes: [],
      created_at: now,
      updated_at: now,
    });
    const refused = await h.write({ action: 'resolve_alert' }, [
      { alert_id: alert.id },
      { alert_id: 'no-such-alert' },
    ]);
    expectRefusal(refused[0], 422);
    expect((refused[0] as { code?: string }).code).toBe('externally_resolved');
    expectRefusal(refused[1], 404);
  });

  it('adds a note once per (alert, content)', async () => {
    const [a] = await fire(['noted']);
    const records = [
      { alert_id: a, content: 'Looking into it' },
      { alert_id: a, content: 'Looking into it' },
      { alert_id: a, content: 'Found it: a bad deploy' },
    ];
    const r1 = await h.write({ action: 'create_alert_note' }, records);
    expect(outcomes(r1)).toEqual(['created', 'existing', 'created']);
    const r2 = await h.write({ action: 'create_alert_note' }, records);
    expect(outcomes(r2)).toEqual(['existing', 'existing', 'existing']);
    expect(db().alert_notes.filter((n) => n.alert_id === a)).toHaveLength(2);
  });

  it('rejects notes naming no alert or both, then reports a refusal', async () => {
    const [a] = await fire(['note-refused']);
    const r = await h.write({ action: 'create_alert_note' }, [
      { content: 'x' },
      { alert_id: a, alert_group_id: 'g', content: 'x' },
      { alert_id: 'no-such-alert', content: 'x' },
      { alert_id: a, content: '' },
    ]);
    expect(r.map(fields)).toEqual([['/alert_id'], ['/alert_group_id'], ['/alert_id'], ['/content']]);
    expect(h.count('POST /v1/alert_notes')).toBe(0);
    sim.addFault({ route: 'POST /v1/alert_notes', kind: 'forbid' });
    expectRefusal(
      (await h.write({ action: 'create_alert_note' }, [{ alert_id: a, content: 'Refused' }]))[0],
      403
    );
  });
});

describe('create_status_page_incident', () => {
  it('publishes once per idempotency key, components by name', async () => {
    const records = [
      {
        status_page: 'Acme status',
        name: 'Slow API',
        message: 'We are looking into it',
        components: { API: 'degraded_performance' },
      },
      {
        status_page: 'acme internal status',
        name: 'Exports delayed',
        message: 'Delayed',
        incident_status: 'identified',
        idempotency_key: 'spi-own',
      },
    ];
    const r1 = await h.write({ action: 'create_status_page_incident' }, records);
    expect(outcomes(r1)).toEqual(['created', 'created']);
    const r2 = await h.write({ action: 'create_status_page_incident' }, records);
    expect(outcomes(r2)).toEqual(['existing', 'existing']);
    expect(ids(r2)).toEqual(ids(r1));
    expect(db().status_page_incidents.get(ids(r1)[0]!)).toMatchObject({
      name: 'Slow API',
      incident_status: 'investigating',
      component_impacts: [expect.objectContaining({ component_status: 'degraded_performance' })],
    });
  });

  it('rejects unknown pages and components, then reports a refusal for a key without the role', async () => {
    const r = await h.write({ action: 'create_status_page_incident' }, [
      { status_page: 'Nope', name: 'x', message: 'x' },
      { status_page: 'Acme status', name: 'x', message: 'x', components: { Teleporter: 'full_outage' } },
      { status_page: 'Acme status', name: 'x', message: 'x', incident_status: 'panicking' },
    ]);
    expect(r.map(fields)).toEqual([['/status_page'], ['/components/Teleporter'], ['/incident_status']]);
    expect((r[1] as { message: string }).message).toMatch(/valid names: API/);
    expect(h.count('POST /v2/status_page_incidents')).toBe(0);
    const refused = await h.write(
      { action: 'create_status_page_incident' },
      [{ status_page: 'Acme status', name: 'x', message: 'x' }],
      { apiKey: sim.apiKey }
    );
    expectRefusal(refused[0], 403);
  });
});

describe('results', () => {
  it('in = ok + rejected + failed, in input order, across concurrency', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    sim.addFault({ route: 'POST /v2/actions', kind: 'forbid', after: 5 });
    const records = Array.from({ length: 30 }, (_, i) =>
      i % 7 === 3 ? { incident_id: a } : { incident_id: a, description: `Step ${i}` }
    );
    const results = await h.write({ action: 'create_action', concurrency: 8 }, records);
    const counts = { ok: 0, rejected: 0, failed: 0 };
    for (const r of results) counts[r.status]++;
    expect(counts.ok + counts.rejected + counts.failed).toBe(records.length);
    expect(counts.ok).toBe(5);
    expect(counts.rejected).toBe(4);
    expect(counts.failed).toBe(21);
  });

  it('a create without an idempotency key that failed in transit is looked up before it is sent again', async () => {
    const [a] = liveIncidentIds(sim, 'standard');
    // The answer is cut short after the follow-up was created: found by the recheck, not created twice.
    sim.addFault({ route: 'POST /v2/follow_ups', kind: 'truncate', count: 1 });
    const landed = await h.write({ action: 'create_follow_up' }, [{ incident_id: a, title: 'Cut short' }]);
    expect(landed[0]).toMatchObject({ status: 'ok', outcome: 'created' });
    expect(db().follow_ups.filter((f) => f.incident_id === a && f.title === 'Cut short')).toHaveLength(1);
    // The connection is reset before anything was created: the recheck finds nothing and sends again.
    sim.addFault({ route: 'POST /v2/actions', kind: 'reset', count: 1 });
    const resent = await h.write({ action: 'create_action' }, [
      { incident_id: a, description: 'Reset once' },
    ]);
    expect(resent[0]).toMatchObject({ status: 'ok', outcome: 'created' });
    expect(db().actions.filter((x) => x.incident_id === a && x.description === 'Reset once')).toHaveLength(1);
    expect(h.count('POST /v2/actions')).toBe(2);
  });
});

describe('route labels', () => {
  it('reads by id are one route each for the limiter: one learned limit per route, not one per id', async () => {
    const tight = { burst: 100, refillPerSecond: 10 };
    const limited = await startWriteSimulator({
      bucket: { burst: 100_000, refillPerSecond: 100_000 },
      endpointLimits: { 'GET /v2/incidents/{id}': tight, 'GET /v2/users/{id}': tight },
    });
    const own = new Harness(limited);
    try {
      const incidents = liveIncidentIds(limited, 'standard').slice(0, 3);
      const users = limited
        .resources()
        .users.all()
        .filter((u) => u.is_active)
        .slice(0, 3);
      const r = await own.write(
        { action: 'create_follow_up' },
        incidents.map((incident_id, k) => ({ incident_id, title: 'Labelled', assignee: users[k].id }))
      );
      expect(statuses(r)).toEqual(['ok', 'ok', 'ok']);
      const learned = own.limiters.forKey(WRITER_KEY).counters.learnedLimits;
      expect(Object.keys(learned).sort()).toEqual(['GET /v2/incidents/{id}', 'GET /v2/users/{id}']);
    } finally {
      await own.close();
      await limited.close();
    }
  });
});
