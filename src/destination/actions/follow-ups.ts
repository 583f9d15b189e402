import { BadRecordError } from '../../errors';
import { TEAMS } from '../names';
import { childrenOf, compact, incidentRef, IncidentRef, requireOneOf, resolveAll, sameText } from './common';
import { defineAction, type ActionContext } from './types';

interface FollowUp {
  id: string;
  incident_id: string;
  title: string;
  description?: string;
  status: 'outstanding' | 'completed' | 'deleted' | 'not_doing';
  labels: string[];
  assignee?: { id: string };
  assignee_team?: { id: string };
  priority?: { id: string };
  created_at?: string;
}

/** The label that carries a record's external reference, so a re-run (or an update) finds the follow-up. */
export const referenceLabel = (ref: string) => `ref:${ref}`;

/**
 * The follow-ups of an incident, read once per run. The list hides follow-ups of test and tutorial
 * incidents unless asked for that mode, so it is read with the incident's own mode.
 * Spec: GET /v2/follow_ups (Follow-ups V2#List) — https://docs.incident.io/api-reference/follow-ups-v2/list
 */
export function followUpsOf(ctx: ActionContext, incident: IncidentRef): Promise<FollowUp[]> {
  return ctx.cache.once(`follow_ups:${incident.id}`, () =>
    childrenOf(incident, '/incident_id', async () => {
      const r = await ctx.client.get<{ follow_ups?: FollowUp[] }>('/v2/follow_ups', {
        incident_id: incident.id,
        incident_mode: incident.mode,
      });
      return (r.data?.follow_ups ?? []).filter((f) => f.status !== 'deleted');
    })
  );
}

function findFollowUp(
  list: FollowUp[],
  title: string | undefined,
  reference: string | undefined
): FollowUp | undefined {
  if (reference !== undefined) return list.find((f) => f.labels?.includes(referenceLabel(reference)));
  return list.find((f) => sameText(f.title, title));
}

interface CreateFollowUpInput {
  incident_id: string;
  title: string;
  description?: string;
  assignee?: string;
  assignee_team?: string;
  priority_id?: string;
  category_id?: string;
  labels?: string[];
  external_reference?: string;
  external_issue_reference_id?: string;
}

// Spec: POST /v2/follow_ups (Follow-ups V2#Create) — https://docs.incident.io/api-reference/follow-ups-v2/create
// No idempotency key in the API: lookup before create.
export const createFollowUp = defineAction<CreateFollowUpInput>({
  name: 'create_follow_up',
  description:
    'Creates a follow-up on an incident unless one with the same title (or external reference) exists.',
  docs: 'https://docs.incident.io/api-reference/follow-ups-v2/create',
  input: 'schemas/actions/create_follow_up.json',
  idempotency:
    'lookup before create: the incident\'s follow-ups are listed once per run and a follow-up with the same title (or, with external_reference, the label "ref:<external_reference>") is reported as existing',
  endpoint: { method: 'POST', path: '/v2/follow_ups' },
  readme: { idempotency: 'lookup before create by (incident, title), or by `external_reference`' },
  idempotent: false,
  async prepare(input, _basis, ctx) {
    const [incident, assignee, team] = await resolveAll(
      incidentRef(ctx, input.incident_id, '/incident_id'),
      input.assignee ? ctx.names.user(input.assignee, '/assignee') : undefined,
      input.assignee_team ? ctx.names.resolve(TEAMS, input.assignee_team, '/assignee_team') : undefined
    );
    const existing = findFollowUp(await followUpsOf(ctx, incident), input.title, input.external_reference);
    if (existing) return { done: { id: existing.id, outcome: 'existing' } };
    const labels = [...(input.labels ?? [])];
    if (input.external_reference !== undefined) labels.push(referenceLabel(input.external_reference));
    const body = compact({
      incident_id: incident.id,
      title: input.title,
      description: input.description,
      assignee_id: assignee?.id,
      assignee_team_id: team,
      follow_up_priority_option_id: input.priority_id,
      follow_up_category_id: input.category_id,
      labels: labels.length > 0 ? labels : undefined,
      external_issue_reference_id: input.external_issue_reference_id,
    });
    return {
      async recheck() {
        ctx.cache.forget(`follow_ups:${incident.id}`);
        const found = findFollowUp(await followUpsOf(ctx, incident), input.title, input.external_reference);
        return found && { id: found.id, outcome: 'created' };
      },
      claim: `follow_up:${incident.id}:${input.external_reference !== undefined ? `ref:${input.external_reference}` : input.title.trim()}`,
      request: { method: 'POST', path: '/v2/follow_ups', body },
      interpret(data) {
        const f = (data as { follow_up: FollowUp }).follow_up;
        return { id: f.id, outcome: 'created' };
      },
    };
  },
});

interface UpdateFollowUpInput {
  follow_up_id?: string;
  incident_id?: string;
  match_title?: string;
  external_reference?: string;
  title?: string;
  description?: string;
  status?: 'outstanding' | 'completed' | 'not_doing';
  assignee?: string | null;
  assignee_team?: string | null;
  priority_id?: string | null;
  category_id?: string;
  labels?: string[];
}

/**
 * Spec: GET /v2/follow_ups/{id} (Follow-ups V2#Show) — https://docs.incident.io/api-reference/follow-ups-v2/show
 */
async function followUpById(ctx: ActionContext, id: string): Promise<FollowUp> {
  const found = await ctx.cache.once(`follow_up:${id}`, async (): Promise<FollowUp | string> => {
    try {
      const r = await ctx.client.get<{ follow_up: FollowUp }>(
        `/v2/follow_ups/${encodeURIComponent(id)}`,
        undefined,
        {
          route: 'GET /v2/follow_ups/{id}',
        }
      );
      return r.data.follow_up;
    } catch (e) {
      if ((e as { status?: number }).status === 404) return `"${id}" is not the id of a follow-up`;
      throw e;
    }
  });
  if (typeof found === 'string') throw new BadRecordError([{ field: '/follow_up_id', reason: found }]);
  return found;
}

// Spec: PUT /v2/follow_ups/{id} (Follow-ups V2#Update) — https://docs.incident.io/api-reference/follow-ups-v2/update
// A PUT sets the given values: repeating it changes nothing. What the record leaves out keeps its
// current value (read first) and is sent again, so the PUT clears nothing by accident; the assignees
// take an explicit null to unassign (FollowUpsUpdatePayloadV2: "Set to null to unassign"). The
// category cannot be read back (FollowUpV2 has no category): it is sent only when the record gives it.
export const updateFollowUp = defineAction<UpdateFollowUpInput>({
  name: 'update_follow_up',
  description:
    'Updates a follow-up found by id, or by incident and title (or external reference); unchanged follow-ups are not written.',
  docs: 'https://docs.incident.io/api-reference/follow-ups-v2/update',
  input: 'schemas/actions/update_follow_up.json',
  idempotency:
    'safe to repeat: the follow-up is found by id or looked up by (incident, title or external reference), and a PUT sets the same values again; a follow-up already as asked is reported unchanged and not written',
  endpoint: { method: 'PUT', path: '/v2/follow_ups/{id}' },
  readme: { idempotency: 'safe to repeat; unchanged follow-ups are not written' },
  idempotent: true,
  async prepare(input, _basis, ctx) {
    requireOneOf(input, ['follow_up_id', 'incident_id']);
    if (input.incident_id !== undefined) requireOneOf(input, ['match_title', 'external_reference']);
    const [current, assignee, team] = await resolveAll(
      (async () => {
        if (input.follow_up_id) return followUpById(ctx, input.follow_up_id);
        const incident = await incidentRef(ctx, input.incident_id!, '/incident_id');
        const list = await followUpsOf(ctx, incident);
        // A replay after the title was already changed finds the follow-up under its new title.
        const found =
          findFollowUp(list, input.match_title, input.external_reference) ??
          (input.external_reference === undefined && input.title !== undefined
            ? findFollowUp(list, input.title, undefined)
            : undefined);
        if (!found) {
          const how =
            input.external_reference !== undefined
              ? `with the external reference "${input.external_reference}"`
              : `titled "${input.match_title}"`;
          throw new BadRecordError([
            {
              field: input.external_reference !== undefined ? '/external_reference' : '/match_title',
              reason: `incident ${input.incident_id} has no follow-up ${how}`,
            },
          ]);
        }
        return found;
      })(),
      input.assignee ? ctx.names.user(input.assignee, '/assignee') : undefined,
      input.assignee_team ? ctx.names.resolve(TEAMS, input.assignee_team, '/assignee_team') : undefined
    );
    // Left out: the current value. null: none — sent as null for the assignees (the spec's way to
    // unassign), left out for the priority (the spec does not take null there; the PUT sets what it
    // is given).
    const keep = <T>(given: T | null | undefined, now: T | undefined): T | null | undefined =>
      given === undefined ? now : given;
    const wanted = {
      title: input.title ?? current.title,
      status: input.status ?? (current.status === 'deleted' ? 'outstanding' : current.status),
      description: input.description ?? current.description,
      assignee_id: keep(input.assignee === null ? null : assignee?.id, current.assignee?.id),
      assignee_team_id: keep(input.assignee_team === null ? null : team, current.assignee_team?.id),
      follow_up_priority_option_id: keep(input.priority_id, current.priority?.id) ?? undefined,
      // Reference labels stay: they are how the follow-up is found again.
      labels:
        input.labels === undefined
          ? (current.labels ?? [])
          : [
              ...input.labels,
              ...(current.labels ?? []).filter((l) => l.startsWith('ref:') && !input.labels!.includes(l)),
            ],
    };
    const unchanged =
      wanted.title === current.title &&
      wanted.status === current.status &&
      wanted.description === current.description &&
      (wanted.assignee_id ?? undefined) === current.assignee?.id &&
      (wanted.assignee_team_id ?? undefined) === current.assignee_team?.id &&
      wanted.follow_up_priority_option_id === current.priority?.id &&
      JSON.stringify(wanted.labels) === JSON.stringify(current.labels ?? []) &&
      input.category_id === undefined;
    if (unchanged) return { done: { id: current.id, outcome: 'unchanged' } };
    const body = compact({ ...wanted, follow_up_category_id: input.category_id });
    return {
      targetId: current.id,
      request: {
        method: 'PUT',
        path: `/v2/follow_ups/${encodeURIComponent(current.id)}`,
        route: 'PUT /v2/follow_ups/{id}',
        body,
      },
      interpret(data) {
        return { id: (data as { follow_up: FollowUp }).follow_up.id, outcome: 'updated' };
      },
    };
  },
});
