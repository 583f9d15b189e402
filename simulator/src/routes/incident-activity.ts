// What hangs off incidents: updates, follow-ups, actions, post-mortem documents, attachments,
// relationships, incident alerts and participants. An incident_id of a deleted (or unknown) incident
// answers 404, as when an incident is deleted between listing it and reading its children.
import type { RouteContext, Endpoint } from './types';
import { allOf, listPage, publicView, str } from './list';
import type { FollowUpRec } from '../resources/types';
import { LiveRuleError } from '../live-rules';

const READ = 'any' as const;
/** Follow-ups and actions: without incident_mode, only those of standard and retrospective incidents. */
const DEFAULT_MODES = new Set(['standard', 'retrospective']);

/** The incident_id filter, checked: undefined when absent, 404 when the incident is gone. */
function incidentFilter(ctx: RouteContext): string | undefined {
  const id = str(ctx, 'incident_id');
  if (id !== undefined) ctx.db.requireIncident(id);
  return id;
}

function byIncidentMode(ctx: RouteContext): (r: FollowUpRec) => boolean {
  const mode = str(ctx, 'incident_mode');
  return (r) => {
    const m = ctx.db.incidentMode(r.incident_id);
    if (m === undefined || ctx.db.deletedIncidents.has(r.incident_id)) return false;
    return mode === undefined ? DEFAULT_MODES.has(m) : m === mode;
  };
}

export const incidentActivityEndpoints: Endpoint[] = [
  // Spec: GET /v2/incident_updates (Incident Updates V2#List)
  {
    route: 'GET /v2/incident_updates',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx);
      const list = ctx.db.incident_updates.filter(
        (u) =>
          (incident === undefined || u.incident_id === incident) &&
          !ctx.db.deletedIncidents.has(u.incident_id)
      );
      return listPage(ctx, ctx.db.incident_updates, list, 'incident_updates');
    },
  },
  // Spec: GET /v2/follow_ups (Follow-ups V2#List) — not paginated.
  {
    route: 'GET /v2/follow_ups',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx);
      const team = str(ctx, 'assignee_team_id');
      const list = ctx.db.follow_ups.filter(
        allOf<FollowUpRec>(
          byIncidentMode(ctx),
          incident === undefined ? undefined : (r) => r.incident_id === incident,
          team === undefined ? undefined : (r) => r.assignee_team?.id === team
        )
      );
      return { follow_ups: list.map(publicView) };
    },
  },
  // Spec: GET /v2/follow_ups/{id} (Follow-ups V2#Show)
  {
    route: 'GET /v2/follow_ups/{id}',
    roles: READ,
    handle: (ctx) => ({ follow_up: publicView(ctx.db.follow_ups.require(ctx.params.id)) }),
  },
  // Spec: GET /v2/actions (Actions V2#List) — not paginated.
  {
    route: 'GET /v2/actions',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx);
      const list = ctx.db.actions.filter(
        allOf<FollowUpRec>(
          byIncidentMode(ctx),
          incident === undefined ? undefined : (r) => r.incident_id === incident
        )
      );
      return { actions: list.map(publicView) };
    },
  },
  // Spec: GET /v1/postmortem_documents (PostmortemDocuments V1#List) — newest first unless sort_by says.
  {
    route: 'GET /v1/postmortem_documents',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx);
      const list = ctx.db.postmortem_documents.filter(
        (d) =>
          (incident === undefined || d.incident_id === incident) &&
          !ctx.db.deletedIncidents.has(d.incident_id)
      );
      return listPage(ctx, ctx.db.postmortem_documents, list, 'postmortem_documents', {
        newestFirst: ctx.query.sort_by !== 'created_at_oldest_first',
      });
    },
  },
  // Spec: GET /v1/incident_attachments (Incident Attachments V1#List) — not paginated; needs an
  // incident_id, or a resource_type with an external_id.
  {
    route: 'GET /v1/incident_attachments',
    roles: READ,
    handle(ctx) {
      const type = str(ctx, 'resource_type');
      const external = str(ctx, 'external_id');
      if (str(ctx, 'incident_id') === undefined && (type === undefined || external === undefined)) {
        throw new LiveRuleError(
          'attachments_list_scope',
          'incident_id',
          'Provide either incident_id, or both resource_type and external_id'
        );
      }
      const incident = incidentFilter(ctx);
      const list = ctx.db.incident_attachments.filter(
        (a) =>
          (incident === undefined || a.incident_id === incident) &&
          (type === undefined || a.resource.resource_type === type) &&
          (external === undefined || a.resource.external_id === external) &&
          !ctx.db.deletedIncidents.has(a.incident_id)
      );
      return { incident_attachments: list.map(publicView) };
    },
  },
  // Spec: GET /v1/incident_relationships (Incident Relationships V1#List) — incident_id required.
  {
    route: 'GET /v1/incident_relationships',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx)!;
      const list = ctx.db.incident_relationships.filter((r) => r._incident_id === incident);
      return listPage(ctx, ctx.db.incident_relationships, list, 'incident_relationships');
    },
  },
  // Spec: GET /v2/incident_alerts (Alerts V2#ListIncidentAlerts) — page_size required, at most 50.
  {
    route: 'GET /v2/incident_alerts',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx);
      const alert = str(ctx, 'alert_id');
      const list = ctx.db.incident_alerts.filter(
        (l) =>
          (incident === undefined || l.incident.id === incident) &&
          (alert === undefined || l.alert.id === alert) &&
          !ctx.db.deletedIncidents.has(l.incident.id)
      );
      return listPage(ctx, ctx.db.incident_alerts, list, 'incident_alerts');
    },
  },
  // Spec: GET /v2/incident_participants (IncidentParticipants V2#List) — incident_id required.
  {
    route: 'GET /v2/incident_participants',
    roles: READ,
    handle(ctx) {
      const incident = incidentFilter(ctx)!;
      const list = ctx.db.incident_participants.filter((p) => p._incident_id === incident);
      const view = (p: (typeof list)[number]) => ({ participant_type: p.participant_type, user: p.user });
      return {
        incident_participants: {
          active: list.filter((p) => p._active).map(view),
          passive: list.filter((p) => !p._active).map(view),
        },
      };
    },
  },
];
