// Catalog (types + show, resources, entries per type), users (inactive hidden unless asked), teams,
// status pages and their incidents.
import type { UserRec } from '../resources/types';
import { listPage, publicView, str } from './list';
import type { Endpoint } from './types';

const READ = 'any' as const;

export const catalogPeopleEndpoints: Endpoint[] = [
  // Spec: GET /v3/catalog_types (Catalog V3#ListTypes) — not paginated.
  {
    route: 'GET /v3/catalog_types',
    roles: READ,
    handle: (ctx) => ({ catalog_types: ctx.db.catalog_types.all().map(publicView) }),
  },
  // Spec: GET /v3/catalog_types/{id} (Catalog V3#ShowType)
  {
    route: 'GET /v3/catalog_types/{id}',
    roles: READ,
    handle: (ctx) => ({ catalog_type: publicView(ctx.db.catalog_types.require(ctx.params.id)) }),
  },
  // Spec: GET /v3/catalog_resources (Catalog V3#ListResources) — not paginated; records have no id.
  {
    route: 'GET /v3/catalog_resources',
    roles: READ,
    handle: (ctx) => ({ resources: ctx.db.catalog_resources.all().map(({ id: _id, ...r }) => r) }),
  },
  // Spec: GET /v3/catalog_entries (Catalog V3#ListEntries) — catalog_type_id and page_size required.
  {
    route: 'GET /v3/catalog_entries',
    roles: READ,
    handle(ctx) {
      const type = ctx.db.catalog_types.require(String(ctx.query.catalog_type_id));
      const identifier = str(ctx, 'identifier');
      const list = ctx.db.catalog_entries.filter(
        (e) =>
          e.catalog_type_id === type.id &&
          (identifier === undefined ||
            e.id === identifier ||
            e.external_id === identifier ||
            e.aliases.includes(identifier))
      );
      return {
        catalog_type: publicView(type),
        ...listPage(ctx, ctx.db.catalog_entries, list, 'catalog_entries', { total: true }),
      };
    },
  },
  // Spec: GET /v2/users (Users V2#List) — inactive users only with include_inactive=true.
  {
    route: 'GET /v2/users',
    roles: READ,
    handle(ctx) {
      const email = str(ctx, 'email');
      const slack = str(ctx, 'slack_user_id');
      const inactiveToo = ctx.query.include_inactive === true;
      const list = ctx.db.users.filter(
        (u: UserRec) =>
          (inactiveToo || u.is_active) &&
          (email === undefined || u.email?.toLowerCase() === email.toLowerCase()) &&
          (slack === undefined || u.slack_user_id === slack)
      );
      return listPage(ctx, ctx.db.users, list, 'users');
    },
  },
  // Spec: GET /v2/users/{id} (Users V2#Show) — inactive users too.
  {
    route: 'GET /v2/users/{id}',
    roles: READ,
    handle: (ctx) => ({ user: publicView(ctx.db.users.require(ctx.params.id)) }),
  },
  // Spec: GET /v3/teams (Teams V3#List)
  {
    route: 'GET /v3/teams',
    roles: READ,
    handle: (ctx) => listPage(ctx, ctx.db.teams, ctx.db.teams.all(), 'teams'),
  },
  // Spec: GET /v2/status_pages (Status Pages V2#ListStatusPages) — any valid key.
  {
    route: 'GET /v2/status_pages',
    roles: 'none',
    handle: (ctx) => listPage(ctx, ctx.db.status_pages, ctx.db.status_pages.all(), 'status_pages'),
  },
  // Spec: GET /v2/status_page_incidents (Status Pages V2#ListStatusPageIncidents) — status_page_id required.
  {
    route: 'GET /v2/status_page_incidents',
    roles: 'none',
    handle(ctx) {
      const page = ctx.db.status_pages.require(String(ctx.query.status_page_id));
      const list = ctx.db.status_page_incidents.filter((i) => i.status_page_id === page.id);
      return listPage(ctx, ctx.db.status_page_incidents, list, 'status_page_incidents');
    },
  },
];
