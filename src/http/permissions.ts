// The user-facing text of a 403: what was refused and which roles would allow it, from the one role
// table (src/roles.ts). The API's own answer stays authoritative; this only words it.
import { rolesFor } from '../roles';

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
