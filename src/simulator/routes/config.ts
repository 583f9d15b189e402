// Incident configuration lists: small, fixed, not paginated.
import { INCIDENT_TYPES, SEVERITIES, STATUSES } from '../config';
import type { Endpoint } from './types';

export const configEndpoints: Endpoint[] = [
  // Spec: GET /v1/severities (Severities V1#List)
  { route: 'GET /v1/severities', roles: 'any', handle: () => ({ severities: SEVERITIES }) },
  // Spec: GET /v1/incident_statuses (Incident Statuses V1#List)
  { route: 'GET /v1/incident_statuses', roles: 'any', handle: () => ({ incident_statuses: STATUSES }) },
  // Spec: GET /v1/incident_types (Incident Types V1#List)
  { route: 'GET /v1/incident_types', roles: 'any', handle: () => ({ incident_types: INCIDENT_TYPES }) },
];
