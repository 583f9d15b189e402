// Seeds alerts and on-call. Before the incident children: alert attributes, sources and routes,
// schedules with overrides, escalation paths, maintenance windows. After them (they refer to
// incidents): alerts (standalone ones and the ones attached to incidents, with the incident_alerts
// links), alert notes, escalations and workflow runs. Everything is inserted in creation order.
import { CATALOG_TYPE_IDS } from '../config';
import { hex } from '../ids';
import type { SimDb } from './db';
import {
  DAY_US,
  HOUR_US,
  SEED_START_US,
  between,
  int,
  iso,
  rngFor,
  sample,
  stamp,
  userV2,
} from './seed-util';
import { SEED_END_US } from '../incidents';
import type { AlertRec, EscalationRec, RotationRec, UserRec } from './types';

const MINUTE_US = 60_000_000;
const ms = (us: number): number => Math.floor(us / 1000);

export function seedOnCall(db: SimDb, phase: 'before-incidents' | 'after-incidents'): void {
  if (phase === 'before-incidents') {
    seedAlertConfig(db);
    seedSchedules(db);
    seedEscalationPaths(db);
    seedMaintenanceWindows(db);
  } else {
    seedAlerts(db);
    seedEscalations(db);
    seedWorkflowRuns(db);
  }
}

const SOURCE_TYPES = [
  ['http', 'Checkout HTTP alerts'],
  ['datadog', 'Datadog production'],
  ['alertmanager', 'Prometheus Alertmanager'],
  ['email', 'Vendor emails'],
  ['heartbeat', 'Nightly backup heartbeat'],
  ['grafana', 'Grafana'],
  ['cloudwatch', 'AWS CloudWatch'],
  ['sentry', 'Sentry'],
  ['pager_duty', 'PagerDuty (migration)'],
] as const;

function seedAlertConfig(db: SimDb): void {
  const rng = rngFor(db.seed, 'alert-config');
  const t0 = SEED_START_US + 20 * DAY_US;
  // [name, type, array, required, emoji]
  const attrs: Array<[string, string, boolean, boolean, string?]> = [
    ['Service', `CatalogEntry["${CATALOG_TYPE_IDS.service}"]`, false, false, '🧩'],
    ['Team', `CatalogEntry["${CATALOG_TYPE_IDS.team}"]`, false, false, '👥'],
    ['Environment', 'String', false, false],
    ['Priority', 'String', false, true],
    ['Tags', 'String', true, false, '🏷️'],
    ['Region', `CatalogEntry["${CATALOG_TYPE_IDS.region}"]`, false, false, '🌍'],
  ];
  attrs.forEach(([name, type, array, required, emoji], k) => {
    db.alert_attributes.insert({
      id: db.newId('alert_attributes', ms(t0 + k * HOUR_US)),
      name,
      type,
      array,
      required,
      ...(emoji !== undefined && { emoji }),
    });
  });
  const attribute = (name: string) => db.alert_attributes.find((a) => a.name === name)!;
  const n = Math.min(db.counts.alertSources, SOURCE_TYPES.length * 3);
  for (let k = 0; k < n; k++) {
    const [type, baseName] = SOURCE_TYPES[k % SOURCE_TYPES.length];
    const name =
      k < SOURCE_TYPES.length ? baseName : `${baseName} ${Math.floor(k / SOURCE_TYPES.length) + 1}`;
    const id = db.newId('alert_sources', ms(t0 + (k + 1) * DAY_US));
    const tokenless = type === 'email';
    db.alert_sources.insert({
      id,
      name,
      source_type: type,
      ...(!tokenless && {
        secret_token: hex(rng, 48),
        alert_events_url: `https://api.incident.io/v2/alert_events/${type}/${id}`,
      }),
      ...(type === 'email' && {
        email_options: {
          email_address: `alerts-${id.slice(-6).toLowerCase()}@sim.incident.io`,
          redactions: [],
        },
      }),
      ...(type === 'heartbeat' && {
        heartbeat_options: {
          failure_threshold: 2,
          grace_period_seconds: 300,
          interval_seconds: 3600,
          ping_url: `https://api.incident.io/v2/heartbeat/${id}`,
        },
      }),
      auto_resolve_incident_alerts: rng() < 0.5,
      owning_team_ids: db.teams.all().length > 0 ? [db.teams.all()[k % db.teams.size].id] : [],
      template: {
        title: { label: 'payload.title', reference: 'payload.title' },
        description: { label: 'payload.description', reference: 'payload.description' },
        expressions: [],
        is_private: false,
        attributes: [
          {
            alert_attribute_id: attribute('Service').id,
            binding: { value: { label: 'payload.service', reference: 'payload.service' } },
          },
          {
            alert_attribute_id: attribute('Priority').id,
            binding: { value: { label: 'P2', literal: 'P2' }, merge_strategy: 'first_wins' },
          },
        ],
      },
    });
  }
  for (let k = 0; k < db.counts.alertRoutes; k++) {
    db.alert_routes.insert({
      id: db.newId('alert_routes', ms(t0 + (k + 2) * DAY_US)),
      name: `Route ${k + 1}: ${['critical', 'payments', 'platform', 'catch-all', 'security'][k % 5]}`,
      enabled: k % 6 !== 5,
    });
  }
}

const ROTATIONS = [
  { name: 'Primary', interval: 1, type: 'weekly', layers: ['Primary'], users: 4 },
  { name: 'Daily', interval: 1, type: 'daily', layers: ['Primary', 'Secondary'], users: 3 },
  { name: 'Follow the sun', interval: 12, type: 'hourly', layers: ['Primary', 'Shadow'], users: 5 },
] as const;
const SCHEDULE_NAMES = [
  'Platform on-call',
  'Payments on-call',
  'SRE follow-the-sun',
  'Data on-call',
  'Mobile',
];
const TIMEZONES = ['Europe/London', 'America/New_York', 'Asia/Tokyo', 'UTC'];

function seedSchedules(db: SimDb): void {
  const rng = rngFor(db.seed, 'schedules');
  const active = db.users.filter((u) => u.is_active);
  for (let k = 0; k < db.counts.schedules; k++) {
    const shape = ROTATIONS[k % ROTATIONS.length];
    const createdUs = stamp(rng, SEED_START_US + (40 + k * 9) * DAY_US);
    // Handovers at a whole hour, long before any window a test asks for.
    const originMs = Date.UTC(2024, 0, 1 + k, 9, 0, 0);
    const rotations: RotationRec[] = [
      {
        id: db.newId('schedule_rotations', ms(createdUs)),
        name: shape.name,
        handover_start_at: new Date(originMs).toISOString().replace('.000Z', 'Z'),
        handovers: [{ interval: shape.interval, interval_type: shape.type }],
        layers: shape.layers.map((name, li) => ({
          id: db.newId('schedule_layers', ms(createdUs) + li),
          name,
        })),
        users: sample(rng, active, shape.users).map(userV2),
        working_intervals: [],
      },
    ];
    const name = `${SCHEDULE_NAMES[k % SCHEDULE_NAMES.length]}${k >= SCHEDULE_NAMES.length ? ` ${k + 1}` : ''}`;
    const id = db.newId('schedules', ms(createdUs));
    db.schedules.insert({
      id,
      name,
      timezone: TIMEZONES[k % TIMEZONES.length],
      annotations: k === 0 ? { 'incident.io/terraform/version': '5.4.0' } : {},
      team_ids: db.teams.size > 0 ? [db.teams.all()[k % db.teams.size].id] : [],
      permalink: `https://app.incident.io/simulated-org/on-call/schedules/${id}`,
      config: { rotations },
      holidays_public_config: { country_codes: k % 2 === 0 ? ['GB'] : ['US'] },
      created_at: iso(createdUs),
      updated_at: iso(stamp(rng, createdUs + between(rng, DAY_US, 300 * DAY_US))),
    });
    // Overrides: a few, never overlapping, some in the data's past and some after it ends.
    const count = int(rng, 2, 5);
    for (let j = 0; j < count; j++) {
      const startMs =
        Math.floor((SEED_END_US / 1000 - 200 * 86_400_000 + j * 120 * 86_400_000) / 3_600_000) * 3_600_000 +
        int(rng, 0, 20 * 24) * 3_600_000;
      const endMs = startMs + int(rng, 6, 48) * 3_600_000;
      const layer = rotations[0].layers[Math.floor(rng() * rotations[0].layers.length)];
      const at = stamp(rng, Math.min(startMs * 1000 - 3 * DAY_US, SEED_END_US - DAY_US));
      db.schedule_overrides.insert({
        id: db.newId('schedule_overrides', ms(at)),
        schedule_id: id,
        rotation_id: rotations[0].id,
        layer_id: layer.id,
        start_at: iso(startMs * 1000),
        end_at: iso(endMs * 1000),
        user: userV2(active[Math.floor(rng() * active.length)]),
        created_at: iso(at),
        updated_at: iso(at + between(rng, 0, HOUR_US)),
      });
    }
  }
}

function seedEscalationPaths(db: SimDb): void {
  const rng = rngFor(db.seed, 'escalation-paths');
  const schedules = db.schedules.all();
  const users = db.users.filter((u) => u.is_active);
  for (let k = 0; k < db.counts.escalationPaths; k++) {
    const createdMs = ms(SEED_START_US + (50 + k) * DAY_US);
    const node = () => db.newId('escalation_path_nodes', createdMs);
    const scheduleTarget = {
      id: schedules.length > 0 ? schedules[k % schedules.length].id : users[0].id,
      type: schedules.length > 0 ? 'schedule' : 'user',
      urgency: 'high',
      ...(schedules.length > 0 && { schedule_mode: 'currently_on_call' }),
    };
    const level = (targets: unknown[], ack: number) => ({
      id: node(),
      type: 'level',
      level: { targets, time_to_ack_seconds: ack, ack_mode: 'first', round_robin_config: { enabled: false } },
    });
    const path: unknown[] = [level([scheduleTarget], 300)];
    if (k % 2 === 1) {
      path.push({
        id: node(),
        type: 'if_else',
        if_else: {
          conditions: [
            {
              subject: { label: 'Alert → Priority', reference: 'alert.priority' },
              operation: { label: 'is one of', value: 'one_of' },
              param_bindings: [{ array_value: [{ label: 'P1', literal: 'P1' }] }],
            },
          ],
          then_path: [level([{ id: users[k % users.length].id, type: 'user', urgency: 'high' }], 600)],
          else_path: [
            {
              id: node(),
              type: 'notify_channel',
              notify_channel: { targets: [{ id: 'C0SIMONCALL', type: 'slack_channel', urgency: 'low' }] },
            },
          ],
        },
      });
    } else {
      path.push(
        level(
          sample(rng, users, 2).map((u) => ({ id: u.id, type: 'user', urgency: 'low' })),
          900
        )
      );
    }
    db.escalation_paths.insert({
      id: db.newId('escalation_paths', createdMs),
      name: `${['Platform', 'Payments', 'SRE', 'Data', 'Security'][k % 5]} escalation${k >= 5 ? ` ${k + 1}` : ''}`,
      path,
      team_ids: db.teams.size > 0 ? [db.teams.all()[k % db.teams.size].id] : [],
      repeat_config: { repeat_after_seconds: 1800, delay_repeat_on_activity: k % 3 === 0 },
      ...(k % 3 === 0 && {
        working_hours: [
          {
            id: `wh-${k}`,
            name: 'Office hours',
            timezone: 'Europe/London',
            weekday_intervals: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((weekday) => ({
              weekday,
              start_time: '09:00',
              end_time: '17:30',
            })),
          },
        ],
      }),
    });
  }
}

function seedMaintenanceWindows(db: SimDb): void {
  const rng = rngFor(db.seed, 'maintenance-windows');
  const users = db.users.filter((u) => u.is_active);
  const sources = db.alert_sources.all();
  const n = db.counts.maintenanceWindows;
  for (let k = 0; k < n; k++) {
    // Spread from the data's start to a year after its end: past, active-at-some-point and upcoming.
    const startUs = stamp(rng, SEED_START_US + ((k + 0.5) / n) * (3 * 365 + 365) * DAY_US);
    const createdUs = Math.min(startUs - between(rng, DAY_US, 10 * DAY_US), SEED_END_US - DAY_US);
    const source = sources[k % sources.length];
    db.maintenance_windows.insert({
      id: db.newId('maintenance_windows', ms(createdUs)),
      name: `${['Database upgrade', 'Network maintenance', 'Kubernetes upgrade', 'Vendor maintenance'][k % 4]} ${k + 1}`,
      start_at: iso(startUs),
      end_at: iso(startUs + int(rng, 1, 8) * HOUR_US),
      lead: { user: userV2(users[k % users.length]) },
      alert_condition_groups: [
        {
          conditions: [
            {
              subject: { label: 'Alert → Source', reference: 'alert.source' },
              operation: { label: 'is one of', value: 'one_of' },
              param_bindings: [{ array_value: [{ label: source.name, literal: source.id }] }],
            },
          ],
        },
      ],
      reroute_on_end: rng() < 0.5,
      resolve_on_end: rng() < 0.5,
      show_in_sidebar: true,
      notify_start_minutes_before: 15,
      notification_message: 'Planned maintenance: alerts from this source are silenced.',
      created_at: iso(createdUs),
      updated_at: iso(createdUs + between(rng, 0, DAY_US)),
    });
  }
}

const ALERT_TITLES = [
  'High error rate',
  'Latency p99 above SLO',
  'Disk usage above 90%',
  'Pod crash looping',
  'Queue backlog growing',
  'Certificate expires in 7 days',
  'Replication lag above 30s',
];

function seedAlerts(db: SimDb): void {
  const rng = rngFor(db.seed, 'alerts');
  const sources = db.alert_sources.filter((s) => s.source_type !== 'heartbeat');
  const services = db.catalog_entries.filter((e) => e.catalog_type_id === CATALOG_TYPE_IDS.service);
  const attr = (name: string) => {
    const a = db.alert_attributes.find((x) => x.name === name)!;
    return {
      id: a.id,
      name: a.name,
      type: a.type,
      array: a.array,
      required: a.required,
      ...(a.emoji ? { emoji: a.emoji } : {}),
    };
  };
  const [serviceAttr, envAttr, priorityAttr, tagsAttr] = ['Service', 'Environment', 'Priority', 'Tags'].map(
    attr
  );
  // When each alert fires: standalone ones spread over the data, and one or two just before the
  // incidents that alerts opened.
  const plan: Array<{ us: number; incident?: number }> = [];
  const n = db.counts.alerts;
  for (let k = 0; k < n; k++)
    plan.push({ us: SEED_START_US + ((k + rng()) / n) * (SEED_END_US - SEED_START_US - DAY_US) });
  const linkRng = rngFor(db.seed, 'incident-alerts');
  for (const i of db.childIncidentIndexes()) {
    if (linkRng() >= 0.35) continue;
    const count = linkRng() < 0.7 ? 1 : 2;
    for (let c = 0; c < count; c++) {
      plan.push({ us: db.incidents.createdUs(i) - between(linkRng, MINUTE_US, 20 * MINUTE_US), incident: i });
    }
  }
  plan.sort((a, b) => a.us - b.us);
  const routes = db.alert_routes.all();
  for (const p of plan) {
    const createdUs = stamp(rng, Math.max(p.us, SEED_START_US));
    const source = sources[Math.floor(rng() * sources.length)];
    const service = services[Math.floor(rng() * Math.min(services.length, 10))];
    const title = `${ALERT_TITLES[Math.floor(rng() * ALERT_TITLES.length)]} on ${service.name}`;
    const resolved = createdUs < SEED_END_US - 2 * DAY_US || rng() < 0.5;
    const resolvedUs = createdUs + between(rng, 2 * MINUTE_US, 6 * HOUR_US);
    const attributes: unknown[] = [
      {
        attribute: serviceAttr,
        value: {
          label: service.name,
          catalog_entry: { id: service.id, name: service.name, catalog_type_id: service.catalog_type_id },
        },
      },
      {
        attribute: envAttr,
        value: { label: 'production', literal: rng() < 0.85 ? 'production' : 'staging' },
      },
      { attribute: priorityAttr, value: { label: 'Priority', literal: rng() < 0.2 ? 'P1' : 'P2' } },
    ];
    if (rng() < 0.4)
      attributes.push({ attribute: tagsAttr, array_value: [{ label: 'k8s', literal: 'k8s' }] });
    const alert: AlertRec = db.alerts.insert({
      id: db.newId('alerts', ms(createdUs)),
      alert_source_id: source.id,
      title,
      ...(rng() < 0.8 && { description: `**${title}**\n\nSee the dashboard for details.` }),
      deduplication_key: `${source.source_type}-${hex(rng, 12)}`,
      status: resolved ? 'resolved' : 'firing',
      ...(resolved && { resolved_at: iso(resolvedUs) }),
      ...(rng() < 0.6 && { source_url: `https://monitoring.example.com/alerts/${hex(rng, 8)}` }),
      ...(rng() < 0.3 && { alert_group_ids: [db.newId('alert_groups', ms(createdUs))] }),
      attributes,
      created_at: iso(createdUs),
      updated_at: iso(resolved ? resolvedUs : createdUs),
    });
    if (p.incident !== undefined) {
      db.incident_alerts.insert({
        id: db.newId('incident_alerts', ms(createdUs)),
        alert: alertSlim(alert),
        incident: db.incidentSlim(p.incident) as { id: string },
        ...(routes.length > 0 && { alert_route_id: routes[Math.floor(rng() * routes.length)].id }),
      });
    }
  }
  // Notes, in the order they were written.
  const notes: Array<{ us: number; alert: AlertRec }> = [];
  const noteRng = rngFor(db.seed, 'alert-notes');
  for (const a of db.alerts.all()) {
    if (noteRng() >= 0.25) continue;
    const count = noteRng() < 0.7 ? 1 : 2;
    for (let c = 0; c < count; c++) {
      notes.push({
        us: Date.parse(a.created_at) * 1000 + between(noteRng, MINUTE_US, 3 * HOUR_US),
        alert: a,
      });
    }
  }
  notes.sort((a, b) => a.us - b.us);
  const users = db.users.filter((u) => u.is_active);
  for (const { us, alert } of notes) {
    const createdUs = Math.min(stamp(noteRng, us), SEED_END_US - 1);
    const edited = noteRng() < 0.2;
    db.alert_notes.insert({
      id: db.newId('alert_notes', ms(createdUs)),
      alert_id: alert.id,
      content:
        noteRng() < 0.5
          ? 'Looking into this now.'
          : `Related to a deploy of *${alert.title.split(' on ')[1]}*.`,
      creator: { user: userV2(users[Math.floor(noteRng() * users.length)]) },
      images:
        noteRng() < 0.1
          ? [{ id: db.newId('images', ms(createdUs)), url: 'https://img.example.com/graph.png' }]
          : [],
      ...(edited && { last_edited_at: iso(createdUs + 5 * MINUTE_US) }),
      created_at: iso(createdUs),
      updated_at: iso(edited ? createdUs + 5 * MINUTE_US : createdUs),
    });
  }
}

/** AlertSlimV2 of an alert. */
export function alertSlim(a: AlertRec): AlertRec {
  const { attributes: _attributes, ...slim } = a;
  return slim as AlertRec;
}

const ESCALATION_STATUSES = ['resolved', 'resolved', 'acked', 'expired', 'cancelled', 'triggered'] as const;

function seedEscalations(db: SimDb): void {
  const rng = rngFor(db.seed, 'escalations');
  const alerts = db.alerts.all();
  const paths = db.escalation_paths.all();
  const users = db.users.filter((u) => u.is_active);
  const incidentOf = new Map(db.incident_alerts.all().map((l) => [l.alert.id, l.incident]));
  const n = db.counts.escalations;
  const planned: EscalationRec[] = [];
  for (let k = 0; k < n; k++) {
    const fromAlert = alerts.length > 0 && rng() < 0.7;
    const alert = fromAlert ? alerts[Math.floor(((k + rng()) / n) * alerts.length)] : undefined;
    const createdUs = stamp(
      rng,
      alert
        ? Date.parse(alert.created_at) * 1000 + between(rng, 0, MINUTE_US)
        : SEED_START_US + ((k + rng()) / n) * (SEED_END_US - SEED_START_US - DAY_US)
    );
    const status =
      createdUs > SEED_END_US - DAY_US
        ? 'triggered'
        : ESCALATION_STATUSES[Math.floor(rng() * ESCALATION_STATUSES.length)];
    const notified = sample(rng, users, int(rng, 1, 2)).map(userV2);
    const events = [
      {
        id: db.newId('escalation_events', ms(createdUs)),
        event: 'triggered',
        occurred_at: iso(createdUs),
        urgency: 'high',
      },
      {
        id: db.newId('escalation_events', ms(createdUs)),
        event: 'notified_users',
        occurred_at: iso(createdUs + 1_000_000),
        urgency: 'high',
        users: notified,
      },
    ];
    const endUs = createdUs + between(rng, MINUTE_US, 30 * MINUTE_US);
    if (status !== 'triggered') {
      events.push({
        id: db.newId('escalation_events', ms(endUs)),
        event: status === 'acked' ? 'acked' : status,
        occurred_at: iso(endUs),
        urgency: 'high',
      });
    }
    const incident = alert ? incidentOf.get(alert.id) : undefined;
    const path = paths.length > 0 && rng() < 0.85 ? paths[Math.floor(rng() * paths.length)] : undefined;
    planned.push({
      id: '',
      title: alert ? alert.title : `Help needed: ${['payments', 'login', 'search'][k % 3]}`,
      description: alert ? `Escalated from alert: ${alert.title}` : 'Paged by hand from Slack',
      status,
      priority: { name: rng() < 0.2 ? 'P1' : 'P2' },
      creator: alert
        ? { alert: { id: alert.id, title: alert.title } }
        : { user: userV2(users[Math.floor(rng() * users.length)] as UserRec) },
      ...(path && { escalation_path_id: path.id }),
      events,
      related_alerts: alert ? [alertSlim(alert)] : [],
      related_incidents: incident ? [incident] : [],
      created_at: iso(createdUs),
      updated_at: iso(status === 'triggered' ? createdUs + 1_000_000 : endUs),
    });
  }
  planned.sort(
    (a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a.created_at < b.created_at ? -1 : 1)
  );
  for (const e of planned)
    db.escalations.insert({ ...e, id: db.newId('escalations', Date.parse(e.created_at)) });
}

const STEPS = ['Send a Slack message', 'Set the severity', 'Escalate to PagerDuty', 'Create a Jira ticket'];

function seedWorkflowRuns(db: SimDb): void {
  const rng = rngFor(db.seed, 'workflow-runs');
  const workflows = db.workflows.all();
  const incidents = db.childIncidentIndexes();
  const n = db.counts.workflowRuns;
  if (workflows.length === 0) return;
  const planned: Array<{ us: number; incident?: number; wf: number; cancelled: boolean }> = [];
  for (let k = 0; k < n; k++) {
    const incident =
      incidents.length > 0 && rng() < 0.9 ? incidents[Math.floor(rng() * incidents.length)] : undefined;
    const us =
      incident !== undefined
        ? db.incidents.createdUs(incident) + between(rng, MINUTE_US, 6 * HOUR_US)
        : SEED_START_US + rng() * (SEED_END_US - SEED_START_US - DAY_US);
    // A few runs were cancelled: stored, but the list never returns them.
    planned.push({
      us: Math.min(us, SEED_END_US - HOUR_US),
      incident,
      wf: Math.floor(rng() * workflows.length),
      cancelled: k % 23 === 7,
    });
  }
  planned.sort((a, b) => a.us - b.us);
  for (const p of planned) {
    const createdUs = stamp(rng, p.us);
    const wf = workflows[p.wf];
    const failed = rng() < 0.08;
    const steps = int(rng, 1, 3);
    db.workflow_runs.insert({
      id: db.newId('workflow_runs', ms(createdUs)),
      workflow_id: wf.id,
      workflow_name: wf.name as string,
      workflow_version_id: db.newId('workflow_versions', ms(createdUs)),
      workflow_version_number: int(rng, 1, 9),
      ...(p.incident !== undefined && {
        incident_id: db.incidents.id(p.incident),
        incident_reference: `INC-${p.incident + 1}`,
      }),
      scheduled_at: iso(createdUs),
      enqueued_at: iso(createdUs + 200_000),
      progress: Array.from({ length: steps }, (_, s) => ({
        step: STEPS[(p.wf + s) % STEPS.length],
        status: failed && s === steps - 1 ? 'error' : 'complete',
        ...(failed && s === steps - 1
          ? { error: 'Slack returned channel_not_found' }
          : { completed_at: iso(createdUs + (s + 1) * 2_000_000) }),
        ...(p.incident !== undefined && {
          incident_id: db.incidents.id(p.incident),
          incident_reference: `INC-${p.incident + 1}`,
        }),
      })),
      ...(failed && { error: 'A step failed' }),
      ...(p.cancelled && { cancelled_at: iso(createdUs + 1_000_000) }),
      created_at: iso(createdUs),
      updated_at: iso(createdUs + (steps + 1) * 2_000_000),
    });
  }
}
