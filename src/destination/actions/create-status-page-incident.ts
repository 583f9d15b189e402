import { BadRecordError, FieldProblem } from '../../errors';
import { pick, STATUS_PAGES } from '../names';
import { compact, deterministicKey } from './common';
import { defineAction, type ActionContext } from './types';

interface StatusPageIncidentInput {
  status_page: string;
  name: string;
  message: string;
  incident_status: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  notify_subscribers: boolean;
  components?: Record<string, string>;
  idempotency_key?: string;
}

interface StructureItem {
  component?: { component_id: string; name: string };
  group?: { id: string; name: string; components?: Array<{ component_id: string; name: string }> };
  sub_page?: { id: string; name: string; items?: StructureItem[] };
}

function componentsIn(items: StructureItem[] | undefined): Array<{ component_id: string; name: string }> {
  const out: Array<{ component_id: string; name: string }> = [];
  for (const item of items ?? []) {
    if (item.component) out.push(item.component);
    if (item.group?.components) out.push(...item.group.components);
    if (item.sub_page) out.push(...componentsIn(item.sub_page.items));
  }
  return out;
}

/**
 * A status page's components, once per run.
 * Spec: GET /v2/status_page_structures/{status_page_id} (Status Pages V2#ShowStatusPageStructure) —
 * https://docs.incident.io/api-reference/status-pages-v2/show-status-page-structure
 */
function componentsOf(ctx: ActionContext, pageId: string) {
  return ctx.cache.once(`status_page_structure:${pageId}`, async () => {
    const r = await ctx.client.get<{ current_structure?: { items?: StructureItem[] } }>(
      `/v2/status_page_structures/${encodeURIComponent(pageId)}`,
      undefined,
      { route: 'GET /v2/status_page_structures/{status_page_id}' }
    );
    return componentsIn(r.data?.current_structure?.items);
  });
}

// Spec: POST /v2/status_page_incidents (Status Pages V2#CreateStatusPageIncident) —
// https://docs.incident.io/api-reference/status-pages-v2/create-status-page-incident
// "Same key → original response returned" (spec `POST /v2/status_page_incidents`, idempotency_key).
export const createStatusPageIncident = defineAction<StatusPageIncidentInput>({
  name: 'create_status_page_incident',
  description: 'Publishes an incident on a status page (page and components by name or id).',
  docs: 'https://docs.incident.io/api-reference/status-pages-v2/create-status-page-incident',
  input: 'schemas/actions/create_status_page_incident.json',
  idempotency:
    'idempotency_key: the record field when given, else a sha256 of the record; a replay returns the original status page incident',
  endpoint: { method: 'POST', path: '/v2/status_page_incidents' },
  readme: { idempotency: '`idempotency_key` from the record, else a sha256 of the record' },
  idempotent: true,
  async prepare(input, basis, ctx) {
    const pageId = await ctx.names.resolve(STATUS_PAGES, input.status_page, '/status_page');
    let component_statuses: Array<{ component_id: string; component_status: string }> | undefined;
    if (input.components) {
      const components = await componentsOf(ctx, pageId);
      const problems: FieldProblem[] = [];
      component_statuses = [];
      for (const [name, status] of Object.entries(input.components)) {
        try {
          const c = pick(
            components.map((x) => ({ ...x, id: x.component_id })),
            name,
            'component of this status page',
            `/components/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
            (x) => [x.name]
          );
          component_statuses.push({ component_id: c.component_id, component_status: status });
        } catch (e) {
          if (e instanceof BadRecordError) problems.push(...e.problems);
          else throw e;
        }
      }
      if (problems.length > 0) throw new BadRecordError(problems);
    }
    const body = compact({
      idempotency_key: input.idempotency_key ?? deterministicKey('spi', basis),
      status_page_id: pageId,
      name: input.name,
      message: input.message,
      incident_status: input.incident_status,
      notify_subscribers: input.notify_subscribers,
      component_statuses,
    });
    return {
      request: { method: 'POST', path: '/v2/status_page_incidents', body, idempotent: true },
      interpret(data) {
        const spi = (data as { status_page_incident: { id: string; published_at?: string } })
          .status_page_incident;
        const published = Date.parse(spi.published_at ?? '');
        return {
          id: spi.id,
          outcome: Number.isFinite(published) && published < ctx.runStartedAt ? 'existing' : 'created',
        };
      },
    };
  },
});
