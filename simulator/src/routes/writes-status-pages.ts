// Status pages: incident create (idempotent by idempotency_key: a reused key returns the original), and
// the page structure the create needs to name components (a read route the simulator had no other use
// for; components are the ones the page's seeded incidents affect, named in id order).
import type { StatusPageIncidentRec } from '../resources/types';
import { invalid, publicView } from './list';
import type { Endpoint, RouteContext } from './types';

const PUBLISHERS = ['status_page_publisher'];
const COMPONENT_NAMES = ['API', 'Dashboard', 'Webhooks', 'Mobile app', 'Exports', 'Email delivery'];

/** The components of a status page: {component_id, name}, stable per seed. */
function componentsOf(ctx: RouteContext, pageId: string): Array<{ component_id: string; name: string }> {
  const ids = new Set<string>();
  for (const i of ctx.db.status_page_incidents.filter((x) => x.status_page_id === pageId)) {
    if (i._created) continue;
    for (const c of (i.component_impacts as Array<{ component_id: string }> | undefined) ?? [])
      ids.add(c.component_id);
  }
  return [...ids].sort().map((component_id, k) => ({
    component_id,
    name: COMPONENT_NAMES[k] ?? `Component ${k + 1}`,
  }));
}

export const statusPageWriteEndpoints: Endpoint[] = [
  // Spec: GET /v2/status_page_structures/{status_page_id} (Status Pages V2#ShowStatusPageStructure)
  {
    route: 'GET /v2/status_page_structures/{status_page_id}',
    roles: 'none',
    handle(ctx) {
      const page = ctx.db.status_pages.require(ctx.params.status_page_id, 'status page');
      return {
        current_structure: { items: componentsOf(ctx, page.id).map((component) => ({ component })) },
      };
    },
  },
  // Spec: POST /v2/status_page_incidents (Status Pages V2#CreateStatusPageIncident) — 201; the same
  // idempotency_key returns the incident it created.
  {
    route: 'POST /v2/status_page_incidents',
    roles: PUBLISHERS,
    handle(ctx) {
      const b = ctx.body as {
        status_page_id: string;
        name: string;
        message: string;
        incident_status: 'investigating' | 'identified' | 'monitoring' | 'resolved';
        idempotency_key: string;
        notify_subscribers: boolean;
        component_statuses?: Array<{ component_id: string; component_status: string }>;
      };
      const existing = ctx.db.status_page_incidents.find((i) => i._idempotency_key === b.idempotency_key);
      if (existing) return { status_page_incident: publicView(existing) };
      const page = ctx.db.status_pages.get(b.status_page_id);
      if (!page) throw invalid('status_page_id', `No status page found with id ${b.status_page_id}`);
      const known = new Set(componentsOf(ctx, page.id).map((c) => c.component_id));
      const statuses = b.component_statuses ?? [];
      statuses.forEach((c, k) => {
        if (!known.has(c.component_id)) {
          throw invalid(
            `component_statuses.${k}.component_id`,
            `Status page ${page.name} has no component ${c.component_id}`
          );
        }
      });
      const now = ctx.db.clock.iso();
      const id = ctx.db.newId('status_page_incidents');
      const incident: StatusPageIncidentRec = ctx.db.status_page_incidents.insert({
        id,
        status_page_id: page.id,
        name: b.name,
        incident_status: b.incident_status,
        published_at: now,
        updates: [
          {
            id: ctx.db.newId('status_page_incident_updates'),
            status_page_incident_id: id,
            incident_status: b.incident_status,
            message: b.message,
            published_at: now,
            component_statuses: statuses,
          },
        ],
        component_impacts: statuses
          .filter((c) => c.component_status !== 'operational')
          .map((c) => ({
            component_id: c.component_id,
            component_status: c.component_status,
            start_at: now,
          })),
        _idempotency_key: b.idempotency_key,
        _created: true,
      });
      ctx.created('status_page_incidents');
      return { status_page_incident: publicView(incident) };
    },
  },
];
