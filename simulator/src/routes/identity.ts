// The probe endpoint: any valid key may call it, whatever its roles (spec `GET /v1/identity`).
import { DASHBOARD_URL } from '../config';
import type { Endpoint } from './types';

/** Keys with team-scoped roles are scoped to this team. */
const TEAM = { id: '01G0J1EXE7AXZ2C93K61WBPYEH', name: 'Platform' };

export const identityEndpoints: Endpoint[] = [
  // Spec: GET /v1/identity (Utilities V1#Identity)
  {
    route: 'GET /v1/identity',
    roles: 'none',
    handle: ({ key }) => ({
      identity: {
        name: key.name,
        roles: key.roles,
        team_roles: key.teamRoles,
        teams: key.teamRoles.length > 0 ? [TEAM] : [],
        dashboard_url: DASHBOARD_URL,
      },
    }),
  },
];
