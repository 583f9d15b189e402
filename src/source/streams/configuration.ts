// Configuration: small lists, read whole; those with updated_at filter client-side when incremental.
import { BY_ID, FULL, FULL_AND_INCREMENTAL } from './shared';
import type { StreamDefinition } from './types';

function configList(
  name: string,
  path: string,
  description: string,
  docs: string,
  hasUpdatedAt: boolean
): StreamDefinition {
  return {
    name,
    description,
    docs,
    path,
    recordsField: name,
    primaryKey: BY_ID,
    ...(hasUpdatedAt ? { cursorField: 'updated_at' } : {}),
    syncModes: hasUpdatedAt ? FULL_AND_INCREMENTAL : FULL,
  };
}

// Spec: GET /v1/severities (Severities V1#List)
export const severities = configList(
  'severities',
  '/v1/severities',
  'Severities with their ranks.',
  'https://docs.incident.io/api-reference/severities-v1/list',
  true
);
// Spec: GET /v1/incident_statuses (Incident Statuses V1#List)
export const incidentStatuses = configList(
  'incident_statuses',
  '/v1/incident_statuses',
  'Incident statuses and their categories.',
  'https://docs.incident.io/api-reference/incident-statuses-v1/list',
  true
);
// Spec: GET /v1/incident_types (Incident Types V1#List)
export const incidentTypes = configList(
  'incident_types',
  '/v1/incident_types',
  'Incident types.',
  'https://docs.incident.io/api-reference/incident-types-v1/list',
  true
);
// Spec: GET /v2/incident_roles (Incident Roles V2#List)
export const incidentRoles = configList(
  'incident_roles',
  '/v2/incident_roles',
  'Incident roles (lead, comms, ...).',
  'https://docs.incident.io/api-reference/incident-roles-v2/list',
  true
);
// Spec: GET /v2/incident_timestamps (Incident Timestamps V2#List)
export const incidentTimestamps = configList(
  'incident_timestamps',
  '/v2/incident_timestamps',
  'Incident timestamps (reported at, accepted at, ...).',
  'https://docs.incident.io/api-reference/incident-timestamps-v2/list',
  false
);
// Spec: GET /v2/custom_fields (Custom Fields V2#List)
export const customFields = configList(
  'custom_fields',
  '/v2/custom_fields',
  'Custom fields.',
  'https://docs.incident.io/api-reference/custom-fields-v2/list',
  true
);

// Spec: GET /v1/custom_field_options (Custom Field Options V1#List)
export const customFieldOptions: StreamDefinition = {
  name: 'custom_field_options',
  description: 'Options of select custom fields, per custom field.',
  docs: 'https://docs.incident.io/api-reference/custom-field-options-v1/list',
  path: '/v1/custom_field_options',
  recordsField: 'custom_field_options',
  pageSize: 250,
  parent: { stream: 'custom_fields', param: 'custom_field_id' },
  primaryKey: BY_ID,
  syncModes: FULL,
};

// Spec: GET /v2/workflows (Workflows V2#ListWorkflows)
export const workflows: StreamDefinition = {
  ...configList(
    'workflows',
    '/v2/workflows',
    'Workflows.',
    'https://docs.incident.io/api-reference/workflows-v2/list-workflows',
    false
  ),
};

export const CONFIGURATION_STREAMS = [
  severities,
  incidentStatuses,
  incidentTypes,
  incidentRoles,
  incidentTimestamps,
  customFields,
  customFieldOptions,
  workflows,
];
