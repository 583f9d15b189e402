import { childrenOf, compact, incidentRef, IncidentRef, resolveAll, sameText } from './common';
import { defineAction, type ActionContext } from './types';

interface IncidentAction {
  id: string;
  description: string;
  status?: string;
  created_at?: string;
}

/**
 * The actions of an incident, read once per run with the incident's mode (the list hides test and
 * tutorial incidents otherwise).
 * Spec: GET /v2/actions (Actions V2#List) — https://docs.incident.io/api-reference/actions-v2/list
 */
function actionsOf(ctx: ActionContext, incident: IncidentRef): Promise<IncidentAction[]> {
  return ctx.cache.once(`actions:${incident.id}`, () =>
    childrenOf(incident, '/incident_id', async () => {
      const r = await ctx.client.get<{ actions?: IncidentAction[] }>('/v2/actions', {
        incident_id: incident.id,
        incident_mode: incident.mode,
      });
      return (r.data?.actions ?? []).filter((a) => a.status !== 'deleted');
    })
  );
}

interface CreateActionInput {
  incident_id: string;
  description: string;
  assignee?: string;
}

// Spec: POST /v2/actions (Actions V2#Create) — https://docs.incident.io/api-reference/actions-v2/create
// No idempotency key in the API: lookup before create.
export const createAction = defineAction<CreateActionInput>({
  name: 'create_action',
  description: 'Creates an action on an incident unless one with the same description exists.',
  docs: 'https://docs.incident.io/api-reference/actions-v2/create',
  input: 'schemas/actions/create_action.json',
  idempotency:
    "lookup before create: the incident's actions are listed once per run and an action with the same description is reported as existing",
  endpoint: { method: 'POST', path: '/v2/actions' },
  readme: { idempotency: 'lookup before create by (incident, description)' },
  idempotent: false,
  async prepare(input, _basis, ctx) {
    const [incident, assignee] = await resolveAll(
      incidentRef(ctx, input.incident_id, '/incident_id'),
      input.assignee ? ctx.names.user(input.assignee, '/assignee') : undefined
    );
    const existing = (await actionsOf(ctx, incident)).find((a) => sameText(a.description, input.description));
    if (existing) return { done: { id: existing.id, outcome: 'existing' } };
    return {
      claim: `action:${incident.id}:${input.description.trim()}`,
      async recheck() {
        ctx.cache.forget(`actions:${incident.id}`);
        const found = (await actionsOf(ctx, incident)).find((a) =>
          sameText(a.description, input.description)
        );
        return found && { id: found.id, outcome: 'created' };
      },
      request: {
        method: 'POST',
        path: '/v2/actions',
        body: compact({
          incident_id: incident.id,
          description: input.description,
          assignee_id: assignee?.id,
        }),
      },
      interpret(data) {
        const a = (data as { action: IncidentAction }).action;
        return { id: a.id, outcome: 'created' };
      },
    };
  },
});
