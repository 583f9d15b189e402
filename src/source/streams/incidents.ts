import type { StreamDefinition } from './types';

// The list hides test/tutorial incidents and the declined, canceled and merged categories unless
// asked (peers.md §3.1); a full sync names every value so nothing is silently left out.
export const INCIDENT_STATUS_CATEGORIES = [
  'triage',
  'live',
  'learning',
  'paused',
  'closed',
  'declined',
  'canceled',
  'merged',
];
export const INCIDENT_MODES = ['standard', 'retrospective', 'test', 'tutorial'];

// Spec: GET /v2/incidents (Incidents V2#List) — https://docs.incident.io/api-reference/incidents-v2/list
export const incidents: StreamDefinition = {
  name: 'incidents',
  description: 'Every incident of every status category and mode, with custom fields, roles and timestamps.',
  path: '/v2/incidents',
  recordsField: 'incidents',
  pageSize: 250,
  query: {
    'status_category[one_of]': INCIDENT_STATUS_CATEGORIES,
    'mode[one_of]': INCIDENT_MODES,
    // Oldest first: incidents created while a scan runs land at its end instead of being skipped.
    sort_by: 'created_at_oldest_first',
  },
  primaryKey: [['id']],
  cursorField: 'updated_at',
  cursorFilter: 'updated_at',
  syncModes: ['full_refresh', 'incremental'],
  readRoles: ['viewer', 'global_access', 'incident_editor', 'incident_creator', 'manage_settings'],
};
