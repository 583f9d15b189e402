// Incident configuration lists (small, not paginated, read from the per-simulator collections), custom
// field options (paginated, per custom field) and workflows.
import { listPage, publicView } from './list';
import type { Endpoint } from './types';

const READ = 'any' as const;

export const configEndpoints: Endpoint[] = [
  // Spec: GET /v1/severities (Severities V1#List)
  {
    route: 'GET /v1/severities',
    roles: READ,
    handle: (ctx) => ({ severities: ctx.db.severities.all().map(publicView) }),
  },
  // Spec: GET /v1/incident_statuses (Incident Statuses V1#List)
  {
    route: 'GET /v1/incident_statuses',
    roles: READ,
    handle: (ctx) => ({ incident_statuses: ctx.db.incident_statuses.all().map(publicView) }),
  },
  // Spec: GET /v1/incident_types (Incident Types V1#List)
  {
    route: 'GET /v1/incident_types',
    roles: READ,
    handle: (ctx) => ({ incident_types: ctx.db.incident_types.all().map(publicView) }),
  },
  // Spec: GET /v2/incident_roles (Incident Roles V2#List)
  {
    route: 'GET /v2/incident_roles',
    roles: READ,
    handle: (ctx) => ({ incident_roles: ctx.db.incident_roles.all().map(publicView) }),
  },
  // Spec: GET /v2/incident_timestamps (Incident Timestamps V2#List)
  {
    route: 'GET /v2/incident_timestamps',
    roles: READ,
    handle: (ctx) => ({ incident_timestamps: ctx.db.incident_timestamps.all().map(publicView) }),
  },
  // Spec: GET /v2/custom_fields (Custom Fields V2#List)
  {
    route: 'GET /v2/custom_fields',
    roles: READ,
    handle: (ctx) => ({ custom_fields: ctx.db.custom_fields.all().map(publicView) }),
  },
  // Spec: GET /v1/custom_field_options (Custom Field Options V1#List) — custom_field_id required.
  {
    route: 'GET /v1/custom_field_options',
    roles: READ,
    handle(ctx) {
      const field = ctx.db.custom_fields.require(String(ctx.query.custom_field_id));
      const list = ctx.db.custom_field_options.filter((o) => o.custom_field_id === field.id);
      return listPage(ctx, ctx.db.custom_field_options, list, 'custom_field_options');
    },
  },
  // Spec: GET /v2/workflows (Workflows V2#ListWorkflows)
  {
    route: 'GET /v2/workflows',
    roles: READ,
    handle: (ctx) => ({ workflows: ctx.db.workflows.all().map(publicView) }),
  },
];
