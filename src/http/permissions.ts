// Which incident.io role a key needs for which resource (API-NOTES §4). incident.io does not publish
// its role → scope map, so these are the dashboard roles that grant the access, used to word 403s
// and the probe's warnings; the API's own answer stays authoritative.

interface ResourceRoles {
  prefix: string;
  resource: string;
  read: string[];
  write: string[];
}

const ANY_READER = ['viewer', 'global_access', 'incident_editor', 'incident_creator', 'manage_settings'];

const RESOURCES: ResourceRoles[] = [
  {
    prefix: '/v2/incidents',
    resource: 'incidents',
    read: ANY_READER,
    write: ['incident_creator', 'incident_editor', 'global_access'],
  },
  { prefix: '/v1/severities', resource: 'severities', read: ANY_READER, write: ['manage_settings'] },
  {
    prefix: '/v1/incident_statuses',
    resource: 'incident statuses',
    read: ANY_READER,
    write: ['manage_settings'],
  },
  { prefix: '/v1/incident_types', resource: 'incident types', read: ANY_READER, write: ['manage_settings'] },
  { prefix: '/v2/alert', resource: 'alerts', read: ANY_READER, write: ['manage_settings', 'global_access'] },
  {
    prefix: '/v3/catalog',
    resource: 'the catalog',
    read: [...ANY_READER, 'catalog_viewer', 'catalog_editor'],
    write: ['catalog_editor'],
  },
  {
    prefix: '/v2/escalation',
    resource: 'escalations',
    read: [...ANY_READER, 'on_call_viewer', 'on_call_editor'],
    write: ['escalation_creator', 'on_call_editor'],
  },
  {
    prefix: '/v2/schedule',
    resource: 'schedules',
    read: [...ANY_READER, 'schedules_reader', 'schedules_editor'],
    write: ['schedules_editor', 'schedule_overrides_editor'],
  },
  {
    prefix: '/v2/workflow',
    resource: 'workflows',
    read: [...ANY_READER, 'workflows_viewer', 'workflows_editor'],
    write: ['workflows_editor'],
  },
];

export function rolesFor(method: string, path: string): { resource: string; roles: string[] } | undefined {
  const r = RESOURCES.find((x) => path.startsWith(x.prefix));
  if (!r) return undefined;
  return { resource: r.resource, roles: method === 'GET' ? r.read : r.write };
}

/** The user-facing text of a 403: what was refused and which role would allow it. */
export function describeForbidden(method: string, path: string): string {
  const r = rolesFor(method, path);
  const verb = method === 'GET' ? 'read' : 'write';
  if (!r) {
    return `the API key is not allowed to ${verb} ${method} ${path}; give the key a role that allows it in incident.io (Settings → API keys)`;
  }
  return (
    `the API key is not allowed to ${verb} ${r.resource} (${method} ${path}); ` +
    `give it one of these roles in incident.io (Settings → API keys): ${r.roles.join(', ')}`
  );
}
