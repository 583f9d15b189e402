// Writes on incidents and what hangs off them: incident edit, follow-ups (create, update), actions and
// incident attachments. Request bodies are already valid against the spec when a handler runs.
import {
  CATALOG_TYPE_IDS,
  CF,
  CUSTOM_FIELDS,
  FOLLOW_UP_PRIORITIES,
  INCIDENT_ROLES,
  INCIDENT_TIMESTAMPS,
  SEVERITIES,
  STATUSES,
  USERS,
} from '../config';
import { SimHttpError } from '../errors';
import { LiveRuleError } from '../live-rules';
import type { IncidentRecord } from '../incidents';
import { parseTimeUs } from '../query';
import { userV2 } from '../resources/seed-util';
import type { FollowUpRec, IncidentAttachmentRec } from '../resources/types';
import { invalid, publicView } from './list';
import type { Endpoint, RouteContext } from './types';

/** Who may write incidents and their children (the connector's writeRoles say the same). */
const INCIDENT_WRITERS = ['incident_editor', 'global_access'];

function indexOf<T extends { id: string }>(
  items: readonly T[],
  id: string,
  field: string,
  what: string
): number {
  const i = items.findIndex((x) => x.id === id);
  if (i < 0) throw invalid(field, `No ${what} exists with id ${id}`);
  return i;
}

/** A user of the organisation by id; 422 on `field` when there is none. */
function userById(ctx: RouteContext, id: string, field: string) {
  const u = ctx.db.users.get(id);
  if (!u) throw invalid(field, `No user exists with id ${id}`);
  return userV2(u);
}

/** Status moves the API allows (README "What the simulator models"): within a category, forward to post-incident or closed. */
const ORDER: Record<string, number> = { triage: 0, live: 1, paused: 1, learning: 2, closed: 3 };
function checkStatusMove(from: number, to: number): void {
  const a = STATUSES[from].category;
  const b = STATUSES[to].category;
  if (a === b || ORDER[a] === undefined || ORDER[b] === undefined) return;
  if (ORDER[b] < ORDER[a]) {
    throw invalid(
      'incident.incident_status_id',
      `An incident in ${STATUSES[from].name} cannot move back to ${STATUSES[to].name}`
    );
  }
}

interface EditPayload {
  incident: {
    name?: string;
    summary?: string;
    severity_id?: string;
    incident_status_id?: string;
    call_url?: string;
    slack_channel_name_override?: string;
    custom_field_entries?: Array<{
      custom_field_id: string;
      values: Array<Record<string, string | undefined>>;
    }>;
    incident_role_assignments?: Array<{
      incident_role_id: string;
      assignee?: { id?: string; email?: string; slack_user_id?: string };
    }>;
    incident_timestamp_values?: Array<{ incident_timestamp_id: string; value?: string }>;
  };
  notify_incident_channel: boolean;
}

/** Applies an edit payload to a copy of the record, validating every reference like the API does. */
function applyEdit(ctx: RouteContext, r: IncidentRecord, p: EditPayload['incident']): IncidentRecord {
  const at = (f: string) => `incident.${f}`;
  if (p.name !== undefined) r.name = p.name;
  if (p.summary !== undefined) r.summary = p.summary;
  if (p.call_url !== undefined) r.callUrl = p.call_url;
  if (p.slack_channel_name_override !== undefined) r.slackChannelName = p.slack_channel_name_override;
  if (p.severity_id !== undefined)
    r.attrs.severity = indexOf(SEVERITIES, p.severity_id, at('severity_id'), 'severity');
  if (p.incident_status_id !== undefined) {
    const to = indexOf(STATUSES, p.incident_status_id, at('incident_status_id'), 'incident status');
    checkStatusMove(r.attrs.status, to);
    r.attrs.status = to;
  }
  const extra = { ...(r.extraFields ?? {}) };
  (p.custom_field_entries ?? []).forEach((entry, k) => {
    const f = `${at('custom_field_entries')}.${k}`;
    const field = indexOf(CUSTOM_FIELDS, entry.custom_field_id, `${f}.custom_field_id`, 'custom field');
    const option = (v: Record<string, string | undefined>, j: number): number =>
      indexOf(
        CUSTOM_FIELDS[field].options,
        v.value_option_id ?? v.id ?? '',
        `${f}.values.${j}.value_option_id`,
        'custom field option'
      );
    const values = entry.values;
    switch (field) {
      case CF.team:
        r.attrs.team = values.length === 0 ? -1 : option(values[0], 0);
        break;
      case CF.impact:
        r.customerImpact = values[0]?.value_text;
        break;
      case CF.components:
        extra.components = [...new Set(values.map(option))].sort();
        break;
      case CF.revenue:
        if (values[0] !== undefined && !Number.isFinite(Number(values[0].value_numeric))) {
          throw invalid(`${f}.values.0.value_numeric`, 'A numeric custom field needs a number');
        }
        extra.revenue = values[0]?.value_numeric;
        break;
      case CF.runbook:
        extra.runbook = values[0]?.value_link;
        break;
      case CF.service: {
        const id = values[0]?.value_catalog_entry_id ?? values[0]?.id;
        if (id === undefined) {
          delete extra.service;
          break;
        }
        const e = ctx.db.catalog_entries.get(id);
        if (!e || e.catalog_type_id !== CATALOG_TYPE_IDS.service) {
          throw invalid(`${f}.values.0.value_catalog_entry_id`, `No Service catalog entry has id ${id}`);
        }
        extra.service = {
          id: e.id,
          name: e.name,
          aliases: e.aliases,
          ...(e.external_id && { external_id: e.external_id }),
        };
        break;
      }
    }
  });
  r.extraFields = extra;
  (p.incident_role_assignments ?? []).forEach((a, k) => {
    const f = `${at('incident_role_assignments')}.${k}`;
    const role = indexOf(INCIDENT_ROLES, a.incident_role_id, `${f}.incident_role_id`, 'incident role');
    const who = a.assignee;
    const user = who
      ? USERS.findIndex(
          (u) => u.id === who.id || u.email === who.email || u.slack_user_id === who.slack_user_id
        )
      : -1;
    if (who && user < 0) throw invalid(`${f}.assignee`, 'No user matches this assignee');
    if (role === 0) r.attrs.lead = user;
    else r.attrs.reporter = user;
  });
  (p.incident_timestamp_values ?? []).forEach((tv, k) => {
    const f = `${at('incident_timestamp_values')}.${k}`;
    const ts = indexOf(
      INCIDENT_TIMESTAMPS,
      tv.incident_timestamp_id,
      `${f}.incident_timestamp_id`,
      'incident timestamp'
    );
    if (ts === 1) r.impactStartedUs = tv.value === undefined ? undefined : parseTimeUs(tv.value);
  });
  return r;
}

interface FollowUpUpdatePayload extends Omit<FollowUpPayload, 'assignee_id' | 'assignee_team_id'> {
  status: string;
  assignee_id?: string | null;
  assignee_team_id?: string | null;
}

interface FollowUpPayload {
  incident_id?: string;
  title: string;
  description?: string;
  status?: string;
  assignee_id?: string;
  assignee_team_id?: string;
  follow_up_priority_option_id?: string;
  follow_up_category_id?: string;
  labels?: string[];
}

/** The optional parts of a follow-up from a create or update payload (references checked). */
function followUpParts(ctx: RouteContext, b: FollowUpPayload): Partial<FollowUpRec> {
  const out: Record<string, unknown> = {};
  if (b.assignee_id !== undefined) out.assignee = userById(ctx, b.assignee_id, 'assignee_id');
  if (b.assignee_team_id !== undefined) {
    const team = ctx.db.teams.get(b.assignee_team_id);
    if (!team) throw invalid('assignee_team_id', `No team exists with id ${b.assignee_team_id}`);
    out.assignee_team = { id: team.id, name: team.name };
  }
  if (b.follow_up_priority_option_id !== undefined) {
    const priority = FOLLOW_UP_PRIORITIES.find((p) => p.id === b.follow_up_priority_option_id);
    if (!priority) {
      throw invalid(
        'follow_up_priority_option_id',
        `No follow-up priority exists with id ${b.follow_up_priority_option_id}`
      );
    }
    out.priority = priority;
  }
  return out as Partial<FollowUpRec>;
}

export const incidentWriteEndpoints: Endpoint[] = [
  // Spec: POST /v2/incidents/{id}/actions/edit (Incidents V2#Edit) — only the given fields change.
  {
    route: 'POST /v2/incidents/{id}/actions/edit',
    roles: INCIDENT_WRITERS,
    handle(ctx) {
      const i = ctx.store.indexOfId(ctx.params.id);
      if (i === undefined || ctx.db.deletedIncidents.has(ctx.params.id)) {
        throw SimHttpError.notFound(`No incident found with id ${ctx.params.id}`);
      }
      const b = ctx.body as EditPayload;
      // Validate on a copy first: a refused edit changes nothing.
      const next = applyEdit(ctx, structuredClone(ctx.store.record(i)), b.incident);
      ctx.store.edit(i, () => next);
      return { incident: ctx.store.render(i) };
    },
  },
  // Spec: POST /v2/follow_ups (Follow-ups V2#Create) — no idempotency: every call creates one.
  {
    route: 'POST /v2/follow_ups',
    roles: INCIDENT_WRITERS,
    handle(ctx) {
      const b = ctx.body as FollowUpPayload & { incident_id: string };
      ctx.db.requireIncident(b.incident_id, 'incident_id');
      const now = ctx.db.clock.iso();
      const follow_up = ctx.db.follow_ups.insert({
        id: ctx.db.newId('follow_ups'),
        incident_id: b.incident_id,
        title: b.title,
        ...(b.description !== undefined && { description: b.description }),
        status: 'outstanding',
        labels: b.labels ?? [],
        creator: ctx.db.actorFor(ctx.key),
        ...followUpParts(ctx, b),
        ...(b.follow_up_category_id !== undefined && { _category_id: b.follow_up_category_id }),
        created_at: now,
        updated_at: now,
      });
      ctx.created('follow_ups');
      return { follow_up: publicView(follow_up) };
    },
  },
  // Spec: PUT /v2/follow_ups/{id} (Follow-ups V2#Update) — title and status required; `deleted` is
  // refused (use DELETE). FollowUpsUpdatePayloadV2 says assignee_id and assignee_team_id are "Set to
  // null to unassign": null unassigns, left out keeps them. The other optional fields are set as given
  // and cleared when left out (the stricter reading of a PUT); the category is kept in a private field
  // (FollowUpV2 does not show it). README "What the simulator models".
  {
    route: 'PUT /v2/follow_ups/{id}',
    roles: INCIDENT_WRITERS,
    handle(ctx) {
      const current = ctx.db.follow_ups.require(ctx.params.id);
      const b = ctx.body as FollowUpUpdatePayload;
      if (b.status === 'deleted')
        throw new LiveRuleError('follow_up_status_deleted', 'status', 'Use DELETE to delete a follow-up');
      const parts = followUpParts(ctx, {
        ...b,
        assignee_id: b.assignee_id ?? undefined,
        assignee_team_id: b.assignee_team_id ?? undefined,
      });
      const now = ctx.db.clock.iso();
      const follow_up = ctx.db.follow_ups.update(current.id, (f) => {
        const {
          assignee,
          assignee_team,
          priority: _p,
          completed_at: _c,
          description: _d,
          _category_id: _k,
          ...rest
        } = f;
        return {
          ...rest,
          title: b.title,
          status: b.status,
          labels: b.labels ?? [],
          ...(b.description !== undefined && { description: b.description }),
          ...(b.assignee_id === undefined && assignee !== undefined && { assignee }),
          ...(b.assignee_team_id === undefined && assignee_team !== undefined && { assignee_team }),
          ...parts,
          ...(b.follow_up_category_id !== undefined && { _category_id: b.follow_up_category_id }),
          ...(b.status === 'completed' && { completed_at: f.status === 'completed' ? f.completed_at : now }),
        } as FollowUpRec;
      });
      return { follow_up: publicView(follow_up) };
    },
  },
  // Spec: POST /v2/actions (Actions V2#Create) — no idempotency: every call creates one.
  {
    route: 'POST /v2/actions',
    roles: INCIDENT_WRITERS,
    handle(ctx) {
      const b = ctx.body as { incident_id: string; description: string; assignee_id?: string };
      ctx.db.requireIncident(b.incident_id, 'incident_id');
      const now = ctx.db.clock.iso();
      const action = ctx.db.actions.insert({
        id: ctx.db.newId('actions'),
        incident_id: b.incident_id,
        description: b.description,
        status: 'outstanding',
        creator: ctx.db.actorFor(ctx.key),
        ...(b.assignee_id !== undefined && { assignee: userById(ctx, b.assignee_id, 'assignee_id') }),
        created_at: now,
        updated_at: now,
      });
      ctx.created('actions');
      return { action: publicView(action) };
    },
  },
  // Spec: POST /v1/incident_attachments (Incident Attachments V1#Create) — no idempotency.
  {
    route: 'POST /v1/incident_attachments',
    roles: INCIDENT_WRITERS,
    handle(ctx) {
      const b = ctx.body as {
        incident_id: string;
        resource: {
          resource_type: string;
          external_id?: string;
          url?: string;
          title?: string;
          emoji?: string;
        };
      };
      ctx.db.requireIncident(b.incident_id, 'incident_id');
      const r = b.resource;
      // "either external_id or url, but not both"; title and emoji "Only supported for the
      // arbitrary_url resource type", which attaches "an arbitrary link" given as a url.
      if ((r.external_id === undefined) === (r.url === undefined)) {
        throw new LiveRuleError(
          'attachment_external_id_or_url',
          'resource.external_id',
          'Provide either resource.external_id or resource.url, but not both'
        );
      }
      if (r.resource_type !== 'arbitrary_url') {
        const extra = (['title', 'emoji'] as const).find((k) => r[k] !== undefined);
        if (extra) {
          throw new LiveRuleError(
            'attachment_arbitrary_url_fields',
            `resource.${extra}`,
            `resource.${extra} is only supported for the arbitrary_url resource type`
          );
        }
      } else if (r.url === undefined) {
        throw new LiveRuleError(
          'attachment_arbitrary_url_fields',
          'resource.url',
          'An arbitrary_url attachment needs resource.url'
        );
      }
      const externalId = r.external_id ?? r.url!;
      const attachment: IncidentAttachmentRec = ctx.db.incident_attachments.insert({
        id: ctx.db.newId('incident_attachments'),
        incident_id: b.incident_id,
        resource: {
          resource_type: r.resource_type,
          external_id: externalId,
          permalink: r.url ?? `https://example.com/${r.resource_type}/${encodeURIComponent(externalId)}`,
          title: r.title ?? `${r.resource_type} ${externalId}`,
        },
      });
      ctx.created('incident_attachments');
      return { incident_attachment: publicView(attachment) };
    },
  },
];
