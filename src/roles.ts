// The one table of incident.io roles per resource: which account roles let a key read it and which
// let it write it. Streams (discover()), actions (the probe's warnings) and 403 messages all read it
// from here, by the request's path. incident.io does not publish its role → scope map, so these are
// the dashboard roles known to grant the access; the API's own answer stays authoritative.

/** Roles that can read everything not restricted to a product area. */
export const ANY_READER: readonly string[] = [
  'viewer',
  'global_access',
  'incident_editor',
  'incident_creator',
  'manage_settings',
];
const CATALOG_READER = [...ANY_READER, 'catalog_viewer', 'catalog_editor'];
const ON_CALL_READER = [...ANY_READER, 'on_call_viewer', 'on_call_editor'];
const SCHEDULE_READER = [...ON_CALL_READER, 'schedules_reader', 'schedules_editor'];
const WORKFLOW_READER = [...ANY_READER, 'workflows_viewer', 'workflows_editor'];
const INCIDENT_EDITOR = ['incident_editor', 'global_access'];
const ALERT_WRITER = ['manage_settings', 'global_access'];

export interface ResourceRoles {
  /** What a 403 message calls it: "not allowed to read <resource>". */
  resource: string;
  /** The request paths of the resource; the first entry of the table that matches a path wins. */
  paths: RegExp;
  read: readonly string[];
  /** Empty for resources the connector never writes. */
  write: readonly string[];
}

/** Anchors a path prefix: "/v2/alert" matches "/v2/alerts" and "/v2/alert_routes/…". */
const under = (prefix: string) => new RegExp(`^${prefix.replace(/[/]/g, '\\/')}`);

export const RESOURCE_ROLES: readonly ResourceRoles[] = [
  // Editing needs more than creating: incident_creator may declare incidents but not edit them.
  {
    resource: 'incidents',
    paths: /^\/v2\/incidents\/[^/]+\/actions\/edit$/,
    read: ANY_READER,
    write: INCIDENT_EDITOR,
  },
  {
    resource: 'incidents',
    paths: under('/v2/incidents'),
    read: ANY_READER,
    write: ['incident_creator', 'incident_editor', 'global_access'],
  },
  { resource: 'incident updates', paths: under('/v2/incident_updates'), read: ANY_READER, write: [] },
  { resource: 'follow-ups', paths: under('/v2/follow_ups'), read: ANY_READER, write: INCIDENT_EDITOR },
  { resource: 'actions', paths: under('/v2/actions'), read: ANY_READER, write: INCIDENT_EDITOR },
  { resource: 'postmortem documents', paths: under('/v1/postmortem_documents'), read: ANY_READER, write: [] },
  {
    resource: 'incident attachments',
    paths: under('/v1/incident_attachments'),
    read: ANY_READER,
    write: INCIDENT_EDITOR,
  },
  {
    resource: 'incident relationships',
    paths: under('/v1/incident_relationships'),
    read: ANY_READER,
    write: [],
  },
  { resource: 'incident alerts', paths: under('/v2/incident_alerts'), read: ANY_READER, write: [] },
  {
    resource: 'incident participants',
    paths: under('/v2/incident_participants'),
    read: ANY_READER,
    write: [],
  },
  { resource: 'severities', paths: under('/v1/severities'), read: ANY_READER, write: ['manage_settings'] },
  {
    resource: 'incident statuses',
    paths: under('/v1/incident_statuses'),
    read: ANY_READER,
    write: ['manage_settings'],
  },
  {
    resource: 'incident types',
    paths: under('/v1/incident_types'),
    read: ANY_READER,
    write: ['manage_settings'],
  },
  { resource: 'incident roles', paths: under('/v2/incident_roles'), read: ANY_READER, write: [] },
  { resource: 'incident timestamps', paths: under('/v2/incident_timestamps'), read: ANY_READER, write: [] },
  { resource: 'custom fields', paths: under('/v2/custom_fields'), read: ANY_READER, write: [] },
  {
    resource: 'custom field options',
    paths: under('/v1/custom_field_options'),
    read: ANY_READER,
    write: ['manage_settings'],
  },
  // Alert events authenticate with the alert source's token: any role of the key will do.
  { resource: 'alert events', paths: under('/v2/alert_events'), read: ANY_READER, write: ANY_READER },
  { resource: 'alerts', paths: under('/v2/alert'), read: ANY_READER, write: ALERT_WRITER },
  { resource: 'alert notes', paths: under('/v1/alert_notes'), read: ANY_READER, write: ALERT_WRITER },
  { resource: 'the catalog', paths: under('/v3/catalog'), read: CATALOG_READER, write: ['catalog_editor'] },
  {
    resource: 'escalations',
    paths: under('/v2/escalation'),
    read: ON_CALL_READER,
    write: ['escalation_creator', 'on_call_editor'],
  },
  {
    resource: 'schedule overrides',
    paths: under('/v2/schedule_overrides'),
    read: SCHEDULE_READER,
    write: ['schedule_overrides_editor', 'schedules_editor'],
  },
  {
    resource: 'schedules',
    paths: under('/v2/schedule'),
    read: SCHEDULE_READER,
    write: ['schedules_editor', 'schedule_overrides_editor'],
  },
  { resource: 'maintenance windows', paths: under('/v1/maintenance_windows'), read: ANY_READER, write: [] },
  { resource: 'workflows', paths: under('/v2/workflow'), read: WORKFLOW_READER, write: ['workflows_editor'] },
  { resource: 'users', paths: under('/v2/users'), read: ANY_READER, write: [] },
  { resource: 'teams', paths: under('/v3/teams'), read: ANY_READER, write: [] },
  {
    resource: 'status page incidents',
    paths: under('/v2/status_page_incidents'),
    read: ANY_READER,
    write: ['status_page_publisher'],
  },
  { resource: 'status pages', paths: under('/v2/status_pages'), read: ANY_READER, write: [] },
];

/** The table's entry for a request path (its query string ignored), if the table knows it. */
export function resourceOf(path: string): ResourceRoles | undefined {
  const bare = path.split('?', 1)[0];
  return RESOURCE_ROLES.find((r) => r.paths.test(bare));
}

/** The roles that allow this request: read roles for a GET, write roles for anything else. */
export function rolesFor(
  method: string,
  path: string
): { resource: string; roles: readonly string[] } | undefined {
  const r = resourceOf(path);
  if (!r) return undefined;
  const roles = method.toUpperCase() === 'GET' ? r.read : r.write;
  return roles.length > 0 ? { resource: r.resource, roles } : undefined;
}

/** The roles that let a key read a stream's list endpoint (discover()). */
export function readRolesOf(stream: { path: string }): readonly string[] {
  return rolesFor('GET', stream.path)?.roles ?? ANY_READER;
}

/** The roles that let a key run an action, from the endpoint it calls (the probe's warnings). */
export function writeRolesOf(action: { endpoint: { method: string; path: string } }): readonly string[] {
  return rolesFor(action.endpoint.method, action.endpoint.path)?.roles ?? [];
}
