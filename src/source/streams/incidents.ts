// Incidents and their activity.
import { BY_ID, FULL_AND_INCREMENTAL } from './shared';
import type { StreamDefinition } from './types';

// The list hides test/tutorial incidents and the declined, canceled and merged categories unless
// asked (README "What the simulator models"); a full sync names every value so nothing is left out.
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
// Follow-ups and actions default to standard+retrospective and take one incident_mode at a time.
const CHILD_INCIDENT_MODES = ['standard', 'retrospective', 'test', 'tutorial', 'stream'];

const CUSTOM_FIELDS_PROPERTY = {
  custom_fields: {
    type: 'object',
    description:
      'Added by the connector (custom_fields: named): each custom field keyed by the snake_case of its name, valued as a person reads it.',
  },
};
const INCIDENT_ID_PROPERTY = {
  incident_id: { type: 'string', description: 'Added by the connector: the parent incident.' },
};

// Spec: GET /v2/incidents (Incidents V2#List)
export const incidents: StreamDefinition = {
  name: 'incidents',
  description: 'Every incident of every status category and mode, with custom fields, roles and timestamps.',
  docs: 'https://docs.incident.io/api-reference/incidents-v2/list',
  path: '/v2/incidents',
  recordsField: 'incidents',
  pageSize: 250,
  query: {
    'status_category[one_of]': INCIDENT_STATUS_CATEGORIES,
    'mode[one_of]': INCIDENT_MODES,
    // Oldest first: incidents created while a scan runs land at its end instead of being skipped.
    sort_by: 'created_at_oldest_first',
  },
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  cursorFilter: 'updated_at',
  // The API matches incidents' time filters by whole days (README "Streams").
  timePartition: { filter: 'created_at', oldestFirst: true, wholeDays: true },
  syncModes: FULL_AND_INCREMENTAL,
  namedCustomFields: true,
  extraProperties: CUSTOM_FIELDS_PROPERTY,
};

// Spec: GET /v2/incident_updates (Incident Updates V2#List)
export const incidentUpdates: StreamDefinition = {
  name: 'incident_updates',
  description: 'Status and severity updates posted on incidents.',
  docs: 'https://docs.incident.io/api-reference/incident-updates-v2/list',
  path: '/v2/incident_updates',
  recordsField: 'incident_updates',
  pageSize: 250,
  primaryKey: BY_ID,
  cursorField: 'created_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/follow_ups (Follow-ups V2#List)
export const followUps: StreamDefinition = {
  name: 'follow_ups',
  description: 'Follow-ups of incidents of every mode.',
  docs: 'https://docs.incident.io/api-reference/follow-ups-v2/list',
  path: '/v2/follow_ups',
  recordsField: 'follow_ups',
  partitionBy: { param: 'incident_mode', values: CHILD_INCIDENT_MODES },
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/actions (Actions V2#List)
export const actions: StreamDefinition = {
  name: 'actions',
  description: 'Actions taken during incidents of every mode.',
  docs: 'https://docs.incident.io/api-reference/actions-v2/list',
  path: '/v2/actions',
  recordsField: 'actions',
  partitionBy: { param: 'incident_mode', values: CHILD_INCIDENT_MODES },
  primaryKey: BY_ID,
  cursorField: 'updated_at',
  syncModes: FULL_AND_INCREMENTAL,
};

/** Per-incident children: incremental re-reads the children of incidents changed since the cursor. */
const perIncident = { stream: 'incidents', param: 'incident_id' };

// Spec: GET /v1/postmortem_documents (PostmortemDocuments V1#List)
export const postmortemDocuments: StreamDefinition = {
  name: 'postmortem_documents',
  description: 'Post-mortem documents of every incident.',
  docs: 'https://docs.incident.io/api-reference/postmortem-documents-v1/list',
  path: '/v1/postmortem_documents',
  recordsField: 'postmortem_documents',
  pageSize: 250,
  // "List post-mortem documents for the organisation. Results can be filtered by incident" (spec).
  // Oldest first: documents created during the scan come at its end instead of being skipped.
  parent: { ...perIncident, orgWide: { query: { sort_by: 'created_at_oldest_first' } } },
  primaryKey: BY_ID,
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v1/incident_attachments (Incident Attachments V1#List)
export const incidentAttachments: StreamDefinition = {
  name: 'incident_attachments',
  description: 'External resources (tickets, dashboards, alerts) attached to incidents, per incident.',
  docs: 'https://docs.incident.io/api-reference/incident-attachments-v1/list',
  path: '/v1/incident_attachments',
  recordsField: 'incident_attachments',
  parent: perIncident,
  primaryKey: BY_ID,
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v1/incident_relationships (Incident Relationships V1#List)
export const incidentRelationships: StreamDefinition = {
  name: 'incident_relationships',
  description: 'Links between related incidents, per incident.',
  docs: 'https://docs.incident.io/api-reference/incident-relationships-v1/list',
  path: '/v1/incident_relationships',
  recordsField: 'incident_relationships',
  pageSize: 250,
  parent: { ...perIncident, addToRecord: true },
  primaryKey: [['incident_id'], ['id']],
  syncModes: FULL_AND_INCREMENTAL,
  extraProperties: INCIDENT_ID_PROPERTY,
};

// Spec: GET /v2/incident_alerts (Alerts V2#ListIncidentAlerts)
export const incidentAlerts: StreamDefinition = {
  name: 'incident_alerts',
  description: 'Alerts attached to incidents.',
  docs: 'https://docs.incident.io/api-reference/alerts-v2/list-incident-alerts',
  path: '/v2/incident_alerts',
  recordsField: 'incident_alerts',
  pageSize: 50,
  // The incident and alert filters are optional (spec): one list for the organisation.
  parent: { ...perIncident, orgWide: {} },
  primaryKey: BY_ID,
  syncModes: FULL_AND_INCREMENTAL,
};

// Spec: GET /v2/incident_participants (IncidentParticipants V2#List)
export const incidentParticipants: StreamDefinition = {
  name: 'incident_participants',
  description: 'Active and passive participants of each incident.',
  docs: 'https://docs.incident.io/api-reference/incidentparticipants-v2/list',
  path: '/v2/incident_participants',
  recordsField: ['incident_participants.active', 'incident_participants.passive'],
  parent: { ...perIncident, addToRecord: true },
  primaryKey: [['incident_id'], ['participant_type'], ['user', 'id']],
  syncModes: FULL_AND_INCREMENTAL,
  extraProperties: INCIDENT_ID_PROPERTY,
};

export const INCIDENT_STREAMS = [
  incidents,
  incidentUpdates,
  followUps,
  actions,
  postmortemDocuments,
  incidentAttachments,
  incidentRelationships,
  incidentAlerts,
  incidentParticipants,
];
