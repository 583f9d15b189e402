// Writes on on-call: escalations (idempotent by idempotency_key: a reused key returns the escalation it
// created) and schedule overrides (no idempotency: every call creates one).
import { userV2 } from '../resources/seed-util';
import type { EscalationRec } from '../resources/types';
import { invalid, publicView } from './list';
import type { Endpoint, RouteContext } from './types';

const ESCALATION_WRITERS = ['escalation_creator', 'on_call_editor'];
const OVERRIDE_WRITERS = ['schedule_overrides_editor', 'schedules_editor'];

function findUser(
  ctx: RouteContext,
  ref: { id?: string; email?: string; slack_user_id?: string },
  field: string
) {
  const u = ctx.db.users.find(
    (x) =>
      (ref.id !== undefined && x.id === ref.id) ||
      (ref.email !== undefined && x.email?.toLowerCase() === ref.email.toLowerCase()) ||
      (ref.slack_user_id !== undefined && x.slack_user_id === ref.slack_user_id)
  );
  if (!u) throw invalid(field, 'No user matches this reference');
  return userV2(u);
}

export const onCallWriteEndpoints: Endpoint[] = [
  // Spec: POST /v2/escalations (Escalations V2#Create) — 201; "If this key has already been used, the
  // existing escalation will be returned." Exactly one of escalation_path_id / user_ids.
  {
    route: 'POST /v2/escalations',
    roles: ESCALATION_WRITERS,
    handle(ctx) {
      const b = ctx.body as {
        idempotency_key: string;
        title: string;
        description?: string;
        escalation_path_id?: string;
        user_ids?: string[];
        incident_id?: string;
      };
      const existing = ctx.db.escalations.find((e) => e._idempotency_key === b.idempotency_key);
      if (existing) return { escalation: publicView(existing) };
      if ((b.escalation_path_id === undefined) === (b.user_ids === undefined)) {
        throw invalid('escalation_path_id', 'Provide either escalation_path_id or user_ids, but not both');
      }
      if (b.escalation_path_id !== undefined && !ctx.db.escalation_paths.has(b.escalation_path_id)) {
        throw invalid('escalation_path_id', `No escalation path found with id ${b.escalation_path_id}`);
      }
      const users = (b.user_ids ?? []).map((id, k) => findUser(ctx, { id }, `user_ids.${k}`));
      const incident =
        b.incident_id === undefined ? undefined : ctx.db.requireIncident(b.incident_id, 'incident_id');
      const now = ctx.db.clock.iso();
      const escalation: EscalationRec = ctx.db.escalations.insert({
        id: ctx.db.newId('escalations'),
        title: b.title,
        description: b.description ?? '',
        status: 'triggered',
        priority: { name: 'P2' },
        creator: {},
        ...(b.escalation_path_id !== undefined && { escalation_path_id: b.escalation_path_id }),
        events: [
          { id: ctx.db.newId('escalation_events'), event: 'triggered', occurred_at: now, urgency: 'high' },
          ...(users.length > 0
            ? [
                {
                  id: ctx.db.newId('escalation_events'),
                  event: 'notified_users',
                  occurred_at: now,
                  urgency: 'high',
                  users,
                },
              ]
            : []),
        ],
        related_alerts: [],
        related_incidents: incident === undefined ? [] : [ctx.db.incidentSlim(incident) as { id: string }],
        created_at: now,
        updated_at: now,
        _idempotency_key: b.idempotency_key,
      });
      ctx.created('escalations');
      return { escalation: publicView(escalation) };
    },
  },
  // Spec: POST /v2/schedule_overrides (Schedules V2#CreateOverride) — 201.
  {
    route: 'POST /v2/schedule_overrides',
    roles: OVERRIDE_WRITERS,
    handle(ctx) {
      const b = ctx.body as {
        schedule_id: string;
        rotation_id: string;
        layer_id: string;
        start_at: string;
        end_at: string;
        user: { id?: string; email?: string; slack_user_id?: string };
      };
      const schedule = ctx.db.schedules.get(b.schedule_id);
      if (!schedule) throw invalid('schedule_id', `No schedule found with id ${b.schedule_id}`);
      const rotation = schedule.config.rotations.find((r) => r.id === b.rotation_id);
      if (!rotation)
        throw invalid('rotation_id', `Schedule ${schedule.name} has no rotation ${b.rotation_id}`);
      if (!rotation.layers.some((l) => l.id === b.layer_id)) {
        throw invalid('layer_id', `Rotation ${rotation.name} has no layer ${b.layer_id}`);
      }
      if (!(Date.parse(b.end_at) > Date.parse(b.start_at)))
        throw invalid('end_at', 'end_at must be after start_at');
      const user = findUser(ctx, b.user, 'user');
      const now = ctx.db.clock.iso();
      const override = ctx.db.schedule_overrides.insert({
        id: ctx.db.newId('schedule_overrides'),
        schedule_id: schedule.id,
        rotation_id: rotation.id,
        layer_id: b.layer_id,
        start_at: b.start_at,
        end_at: b.end_at,
        user,
        created_at: now,
        updated_at: now,
      });
      ctx.created('schedule_overrides');
      return { override: publicView(override) };
    },
  },
];
