// Alerts and on-call.
import { BY_ID, FULL, FULL_AND_INCREMENTAL } from './shared';
import type { StreamDefinition } from './types';

const DAY_MS = 86_400_000;

// Spec: GET /v2/alerts (Alerts V2#List) — filters created_at only, so incremental re-reads a window
// (reread_window_minutes) to pick up alerts resolved after the last sync.
export const alerts: StreamDefinition = {
  name: 'alerts',
  description: 'Alerts from every alert source; incremental on created_at with a re-read window.',
  docs: 'https://docs.incident.io/api-reference/alerts-v2/list',
  path: '/v2/alerts',
  recordsField: 'alerts',
  pageSize: 50,
  primaryKey: BY_ID,
  cursorField: 'created_at',
  cursorFilter: 'created_at',
  timePartition: { filter: 'created_at' },
  lookbackSetting: 'reread_window_minutes',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v1/alert_notes (Alert Notes V1#List) — "Provide exactly one of alert_id or
// alert_group_id", so notes are read per alert; incremental re-reads the notes of the alerts the
// alerts stream re-reads (created since its cursor minus the re-read window).
export const alertNotes: StreamDefinition = {
  name: 'alert_notes',
  description: 'Notes left on alerts, per alert.',
  docs: 'https://docs.incident.io/api-reference/alert-notes-v1/list',
  path: '/v1/alert_notes',
  recordsField: 'alert_notes',
  pageSize: 250,
  parent: { stream: 'alerts', param: 'alert_id' },
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/alert_sources (Alert Sources V2#List)
export const alertSources: StreamDefinition = {
  name: 'alert_sources',
  description: 'Alert sources; their secret tokens are never emitted.',
  docs: 'https://docs.incident.io/api-reference/alert-sources-v2/list',
  path: '/v2/alert_sources',
  recordsField: 'alert_sources',
  omitFields: ['secret_token'],
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/alert_attributes (Alert Attributes V2#List)
export const alertAttributes: StreamDefinition = {
  name: 'alert_attributes',
  description: 'Attributes alerts can carry.',
  docs: 'https://docs.incident.io/api-reference/alert-attributes-v2/list',
  path: '/v2/alert_attributes',
  recordsField: 'alert_attributes',
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/alert_routes (Alert Routes V2#List) — v2 rather than v3: v3 answers 403
// api_not_yet_available to organisations not yet on the new alert engine (spec `GET /v2/alerts`; README "Streams").
export const alertRoutes: StreamDefinition = {
  name: 'alert_routes',
  description: 'Alert routes: which alerts create incidents and escalations.',
  docs: 'https://docs.incident.io/api-reference/alert-routes-v2/list',
  path: '/v2/alert_routes',
  recordsField: 'alert_routes',
  pageSize: 50,
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/escalations (Escalations V2#List)
export const escalations: StreamDefinition = {
  name: 'escalations',
  description: 'Escalations (pages) and their status; incremental on updated_at.',
  docs: 'https://docs.incident.io/api-reference/escalations-v2/list',
  path: '/v2/escalations',
  recordsField: 'escalations',
  pageSize: 50,
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  cursorFilter: 'updated_at',
  // Matched by whole days, like incidents (README "Streams").
  timePartition: { filter: 'created_at', wholeDays: true },
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/escalation_paths (Escalations V2#ListPaths)
export const escalationPaths: StreamDefinition = {
  name: 'escalation_paths',
  description: 'Escalation paths.',
  docs: 'https://docs.incident.io/api-reference/escalations-v2/list-paths',
  path: '/v2/escalation_paths',
  recordsField: 'escalation_paths',
  pageSize: 25,
  // The spec's own example leaves id and type out of the nodes nested in if/else branches.
  relaxRequired: { EscalationPathNodeV2: ['id', 'type'] },
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/schedules (Schedules V2#List) — "next_shifts will only be returned when the page size
// is 25 or lower": 25 a page (schedules are few).
export const schedules: StreamDefinition = {
  name: 'schedules',
  description: 'On-call schedules with their rotations and next shifts.',
  docs: 'https://docs.incident.io/api-reference/schedules-v2/list',
  path: '/v2/schedules',
  recordsField: 'schedules',
  pageSize: 25,
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/schedule_entries (Schedules V2#ListScheduleEntries) — paged by window: the next cursor
// goes back in entry_window_start with the original entry_window_end.
export const scheduleEntries: StreamDefinition = {
  name: 'schedule_entries',
  description: 'Who is on call when (the final, merged shifts), per schedule, over schedule_window_days.',
  docs: 'https://docs.incident.io/api-reference/schedules-v2/list-schedule-entries',
  path: '/v2/schedule_entries',
  recordsField: 'schedule_entries.final',
  afterParam: 'entry_window_start',
  queryFor: (config, now) => {
    const window = config.schedule_window_days ?? { past: 7, future: 28 };
    return {
      entry_window_start: new Date(now - window.past * DAY_MS).toISOString(),
      entry_window_end: new Date(now + window.future * DAY_MS).toISOString(),
    };
  },
  parent: { stream: 'schedules', param: 'schedule_id', addToRecord: true },
  primaryKey: [['schedule_id'], ['fingerprint']],
  syncModes: FULL,
  extraProperties: { schedule_id: { type: 'string', description: 'Added by the connector: the schedule.' } },
};

// Spec: GET /v2/schedule_overrides (Schedules V2#ListOverrides) — schedule_id required, no time
// filter: incremental reads every schedule's overrides and keeps those updated since the cursor (an
// override's change does not move its schedule's updated_at).
export const scheduleOverrides: StreamDefinition = {
  name: 'schedule_overrides',
  description: 'Overrides of on-call schedules, per schedule.',
  docs: 'https://docs.incident.io/api-reference/schedules-v2/list-overrides',
  path: '/v2/schedule_overrides',
  recordsField: 'overrides',
  pageSize: 250,
  parent: { stream: 'schedules', param: 'schedule_id', ownCursor: true },
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v1/maintenance_windows (MaintenanceWindows V1#List)
export const maintenanceWindows: StreamDefinition = {
  name: 'maintenance_windows',
  description: 'Maintenance windows that silence alerts.',
  docs: 'https://docs.incident.io/api-reference/maintenancewindows-v1/list',
  path: '/v1/maintenance_windows',
  recordsField: 'maintenance_windows',
  pageSize: 50,
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/workflow_runs (WorkflowRuns V2#List) — created_at filter only, like alerts.
export const workflowRuns: StreamDefinition = {
  name: 'workflow_runs',
  description: 'Workflow runs; incremental on created_at with a re-read window.',
  docs: 'https://docs.incident.io/api-reference/workflowruns-v2/list',
  path: '/v2/workflow_runs',
  recordsField: 'workflow_runs',
  pageSize: 50,
  primaryKey: BY_ID,
  cursorField: 'created_at',
  cursorFilter: 'created_at',
  timePartition: { filter: 'created_at' },
  lookbackSetting: 'reread_window_minutes',
  syncModes: FULL_AND_INCREMENTAL,
};

export const ALERT_AND_ON_CALL_STREAMS = [
  alerts,
  alertNotes,
  alertSources,
  alertAttributes,
  alertRoutes,
  escalations,
  escalationPaths,
  schedules,
  scheduleEntries,
  scheduleOverrides,
  maintenanceWindows,
  workflowRuns,
];
