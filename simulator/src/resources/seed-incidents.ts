// Seeds what hangs off incidents: updates, follow-ups, actions, post-mortem documents, attachments,
// relationships and participants (incident alerts come with the alerts, seed-oncall.ts). Incidents of
// every mode get them, test and tutorial ones included (always at least one follow-up and action, so
// the API's default hiding of those modes is visible). A few incidents are "deleted": the incident list
// still returns them, their child endpoints answer 404, and they have no children.
import { FOLLOW_UP_PRIORITIES, SEVERITIES, STATUSES, USERS } from '../config';
import type { Rng } from '../ids';
import { SEED_END_US } from '../incidents';
import type { SimDb } from './db';
import { DAY_US, HOUR_US, between, int, iso, rngFor, sample, stamp, userV2 } from './seed-util';
import type { UserV2 } from './types';

const MINUTE_US = 60_000_000;
const CLOSED_LIKE = new Set(['closed', 'learning']);

const FOLLOW_UP_TITLES = [
  'Add alerting on queue depth',
  'Write a runbook for failover',
  'Raise the connection pool limit',
  'Add a canary stage to deploys',
  'Rotate the expired credential automatically',
  'Load test the checkout path',
];
const ACTIONS = [
  'Roll back the last deploy',
  'Page the database on-call',
  'Post an update on the status page',
  'Scale the worker pool up',
  'Check the provider status page',
];
const RESOURCE_TYPES = [
  ['github_pull_request', 'https://github.com/acme/app/pull/'],
  ['jira_issue', 'https://acme.atlassian.net/browse/OPS-'],
  ['datadog_monitor_alert', 'https://app.datadoghq.com/monitors/'],
  ['sentry_issue', 'https://acme.sentry.io/issues/'],
  ['arbitrary_url', 'https://dashboards.example.com/d/'],
] as const;

export function seedIncidentChildren(db: SimDb): void {
  const n = db.counts.childIncidents;
  // Deleted incidents: spread over the ones with children, so every run of a child stream meets them.
  const deleted = Math.min(db.counts.deletedIncidents, n);
  for (let k = 0; k < deleted; k++) {
    db.deletedIncidents.add(db.incidents.id(Math.floor(((k + 1) * n) / (deleted + 1))));
  }
  const users = USERS.map(userV2);
  const teams = db.teams.all();
  const live = db.childIncidentIndexes();
  // Children are inserted in creation order per resource: collect, sort by time, insert.
  const pending = new Map<string, Array<{ us: number; make: (id: string) => Record<string, unknown> }>>();
  const add = (resource: string, us: number, make: (id: string) => Record<string, unknown>) => {
    const list = pending.get(resource) ?? [];
    list.push({ us, make });
    pending.set(resource, list);
  };

  for (const i of live) {
    const rng = rngFor(db.seed, 'incident-children', i);
    const incidentId = db.incidents.id(i);
    const attrs = db.incidents.attrs(i);
    const category = STATUSES[attrs.status].category;
    const createdUs = db.incidents.createdUs(i);
    const updatedUs = db.incidents.updatedUs(i);
    // Children happen between the incident's creation and its last update (or a while after it).
    const until = Math.max(updatedUs, Math.min(createdUs + 2 * DAY_US, SEED_END_US - HOUR_US));
    const when = (r: Rng) => stamp(r, between(r, createdUs + MINUTE_US, until));
    const later = (r: Rng, us: number) => Math.min(us + between(r, MINUTE_US, 3 * DAY_US), SEED_END_US - 1);
    const hidden = attrs.mode === 'test' || attrs.mode === 'tutorial';
    const person = (r: Rng): UserV2 => users[Math.floor(r() * users.length)];

    // Incident updates: status and severity changes with a message.
    const updates = CLOSED_LIKE.has(category) ? int(rng, 1, 3) : int(rng, 0, 2);
    for (let k = 0; k < updates; k++) {
      const at = when(rng);
      const status = STATUSES[k === updates - 1 ? attrs.status : Math.floor(rng() * STATUSES.length)];
      const severity = rng() < 0.3 ? SEVERITIES[Math.floor(rng() * SEVERITIES.length)] : undefined;
      const updater = rng() < 0.9 ? { user: person(rng) } : { api_key: { id: 'SIMKEY', name: 'Terraform' } };
      add('incident_updates', at, (id) => ({
        id,
        incident_id: incidentId,
        message: `Status is now ${status.name}.`,
        new_incident_status: status,
        ...(severity && { new_severity: severity }),
        updater,
        created_at: iso(at),
      }));
    }

    // Follow-ups and actions of every mode; hidden modes always get one of each.
    const followUps = hidden ? int(rng, 1, 2) : rng() < 0.5 ? int(rng, 1, 3) : 0;
    for (let k = 0; k < followUps; k++) {
      const at = when(rng);
      const upd = later(rng, at);
      const status = rng() < 0.5 ? 'completed' : rng() < 0.8 ? 'outstanding' : 'not_doing';
      const assignee = rng() < 0.7 ? person(rng) : undefined;
      const team = teams.length > 0 && rng() < 0.6 ? teams[Math.floor(rng() * teams.length)] : undefined;
      const priority =
        rng() < 0.7 ? FOLLOW_UP_PRIORITIES[Math.floor(rng() * FOLLOW_UP_PRIORITIES.length)] : undefined;
      const title = FOLLOW_UP_TITLES[Math.floor(rng() * FOLLOW_UP_TITLES.length)];
      const issue = rng() < 0.3 ? 1000 + Math.floor(rng() * 9000) : undefined;
      const described = rng() < 0.6;
      const labels = rng() < 0.4 ? ['reliability'] : [];
      const creator = { user: person(rng) };
      add('follow_ups', at, (id) => ({
        id,
        incident_id: incidentId,
        title,
        ...(described && { description: `So that this does not happen again: ${title.toLowerCase()}.` }),
        status,
        labels,
        creator,
        ...(assignee && { assignee }),
        ...(team && { assignee_team: { id: team.id, name: team.name } }),
        ...(priority && { priority }),
        ...(issue !== undefined && {
          external_issue_reference: {
            provider: 'linear',
            issue_name: `ENG-${issue}`,
            issue_permalink: `https://linear.app/acme/issue/ENG-${issue}`,
          },
        }),
        ...(status === 'completed' && { completed_at: iso(upd) }),
        created_at: iso(at),
        updated_at: iso(upd),
      }));
    }
    const actions = hidden ? int(rng, 1, 2) : rng() < 0.5 ? int(rng, 1, 3) : 0;
    for (let k = 0; k < actions; k++) {
      const at = when(rng);
      const upd = later(rng, at);
      const status = rng() < 0.7 ? 'completed' : 'outstanding';
      const assignee = rng() < 0.8 ? person(rng) : undefined;
      const description = ACTIONS[Math.floor(rng() * ACTIONS.length)];
      const creator = { user: person(rng) };
      add('actions', at, (id) => ({
        id,
        incident_id: incidentId,
        description,
        status,
        creator,
        ...(assignee && { assignee }),
        ...(status === 'completed' && { completed_at: iso(upd) }),
        created_at: iso(at),
        updated_at: iso(upd),
      }));
    }

    // Post-mortem documents of closed and learning incidents.
    if (CLOSED_LIKE.has(category) && rng() < 0.4) {
      const at = when(rng);
      const upd = later(rng, at);
      const inApp = rng() < 0.7;
      const editors = sample(rng, users, int(rng, 1, 3));
      const status = rng() < 0.6 ? 'completed' : rng() < 0.5 ? 'in_review' : 'in_progress';
      const exported = inApp && rng() < 0.3;
      add('postmortem_documents', at, (id) => ({
        id,
        incident_id: incidentId,
        title: `Post-mortem: INC-${i + 1}`,
        type: inApp ? 'in_app' : 'external',
        status,
        document_url: inApp
          ? `https://app.incident.io/simulated-org/incidents/${i + 1}/post-mortem`
          : `https://docs.example.com/postmortems/INC-${i + 1}`,
        editors,
        exported_urls: exported ? [`https://www.notion.so/acme/INC-${i + 1}`] : [],
        created_at: iso(at),
        updated_at: iso(upd),
      }));
    }

    // Attachments: tickets, PRs, monitors.
    const attachments = rng() < 0.35 ? int(rng, 1, 2) : 0;
    for (let k = 0; k < attachments; k++) {
      const [type, base] = RESOURCE_TYPES[Math.floor(rng() * RESOURCE_TYPES.length)];
      const ext = String(100 + Math.floor(rng() * 9000));
      add('incident_attachments', when(rng), (id) => ({
        id,
        incident_id: incidentId,
        resource: {
          resource_type: type,
          external_id: ext,
          permalink: `${base}${ext}`,
          title: `${type} ${ext}`,
        },
      }));
    }

    // Participants: the lead and some responders actively, a few observers passively.
    const people = sample(rng, users, int(rng, 1, 5));
    people.forEach((user, k) => {
      const active = k === 0 || rng() < 0.6;
      const type = active ? (k === 0 || rng() < 0.5 ? 'responder' : 'collaborator') : 'observer';
      add('incident_participants', createdUs + k, (id) => ({
        id,
        _incident_id: incidentId,
        _active: active,
        participant_type: type,
        user,
      }));
    });
  }

  // Relationships, both ways: an incident related to an earlier live one.
  const relRng = rngFor(db.seed, 'incident-relationships');
  for (let k = 1; k < live.length; k++) {
    if (relRng() >= 0.12) continue;
    const i = live[k];
    const j = live[Math.floor(relRng() * k)];
    const at = db.incidents.createdUs(i) + MINUTE_US;
    const other = (x: number) => {
      const r = db.incidents.record(x);
      return { id: db.incidents.id(x), external_id: x + 1, name: r.name };
    };
    add('incident_relationships', at, (id) => ({ id, _incident_id: db.incidents.id(i), incident: other(j) }));
    add('incident_relationships', at + 1, (id) => ({
      id,
      _incident_id: db.incidents.id(j),
      incident: other(i),
    }));
  }

  for (const [resource, list] of pending) {
    const c = db.get(resource)!;
    list.sort((a, b) => a.us - b.us);
    for (const p of list) c.insert(p.make(db.newId(resource, Math.floor(p.us / 1000))) as never);
  }
}
