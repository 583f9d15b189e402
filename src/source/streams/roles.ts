// Roles that can read each family of resources (API-NOTES §4); incident.io does not publish its role →
// scope map, so these name the dashboard roles that grant reading, for discover() and 403 messages.
export const ANY_READER = [
  'viewer',
  'global_access',
  'incident_editor',
  'incident_creator',
  'manage_settings',
];
export const CATALOG_READER = [...ANY_READER, 'catalog_viewer', 'catalog_editor'];
export const ON_CALL_READER = [...ANY_READER, 'on_call_viewer', 'on_call_editor'];
export const SCHEDULE_READER = [...ON_CALL_READER, 'schedules_reader', 'schedules_editor'];
export const WORKFLOW_READER = [...ANY_READER, 'workflows_viewer', 'workflows_editor'];

export const FULL: Array<'full_refresh'> = ['full_refresh'];
export const FULL_AND_INCREMENTAL: Array<'full_refresh' | 'incremental'> = ['full_refresh', 'incremental'];
export const BY_ID = [['id']];
