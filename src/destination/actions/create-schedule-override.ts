import { BadRecordError } from '../../errors';
import { paginate } from '../../http/paginate';
import { parseTimestamp } from '../../util/time';
import { pick, SCHEDULES } from '../names';
import { compact, resolveAll } from './common';
import { defineAction, type ActionContext } from './types';

interface Override {
  id: string;
  schedule_id: string;
  rotation_id: string;
  layer_id: string;
  start_at: string;
  end_at: string;
  user?: { id: string };
  created_at?: string;
}

interface OverrideInput {
  schedule: string;
  rotation?: string;
  layer?: string;
  user: string;
  start_at: string;
  end_at: string;
}

/**
 * The overrides of one schedule layer, every page, once per run.
 * Spec: GET /v2/schedule_overrides (Schedules V2#ListOverrides) — https://docs.incident.io/api-reference/schedules-v2/list-overrides
 */
function overridesOf(
  ctx: ActionContext,
  schedule: string,
  rotation: string,
  layer: string
): Promise<Override[]> {
  return ctx.cache.once(`overrides:${schedule}:${rotation}:${layer}`, async () => {
    const out: Override[] = [];
    for await (const page of paginate<Override>(ctx.client, {
      path: '/v2/schedule_overrides',
      recordsField: 'overrides',
      pageSize: 250,
      query: { schedule_id: schedule, rotation_id: rotation, layer_id: layer },
      signal: ctx.signal,
    })) {
      out.push(...page.records);
    }
    return out;
  });
}

function only<T>(items: readonly T[], what: string, field: string, names: (i: T) => string): T {
  if (items.length === 1) return items[0];
  throw new BadRecordError([
    { field, reason: `is required: ${what} has ${items.length}: ${items.map(names).join(', ') || '(none)'}` },
  ]);
}

// Spec: POST /v2/schedule_overrides (Schedules V2#CreateOverride) — https://docs.incident.io/api-reference/schedules-v2/create-override
// No idempotency key in the API: lookup before create by schedule, rotation, layer, user and window.
export const createScheduleOverride = defineAction<OverrideInput>({
  name: 'create_schedule_override',
  description:
    'Puts a user on call on a schedule layer for a window (schedule, rotation and layer by name or id).',
  docs: 'https://docs.incident.io/api-reference/schedules-v2/create-override',
  input: 'schemas/actions/create_schedule_override.json',
  idempotency:
    "lookup before create: the layer's overrides are listed once per run and one with the same user, start_at and end_at is reported as existing",
  endpoint: { method: 'POST', path: '/v2/schedule_overrides' },
  readme: { idempotency: 'lookup by (schedule, rotation, layer, user, start, end)' },
  idempotent: false,
  async prepare(input, _basis, ctx) {
    const start = parseTimestamp(input.start_at)!;
    const end = parseTimestamp(input.end_at)!;
    if (!(end > start)) throw new BadRecordError([{ field: '/end_at', reason: 'must be after start_at' }]);
    const [schedule, user] = await resolveAll(
      ctx.names.resolveItem(SCHEDULES, input.schedule, '/schedule'),
      ctx.names.user(input.user, '/user')
    );
    const rotations = schedule.config?.rotations ?? [];
    const rotation =
      input.rotation !== undefined
        ? pick(rotations, input.rotation, `rotation of ${schedule.name}`, '/rotation', (r) => [r.name])
        : only(rotations, `schedule ${schedule.name}`, '/rotation', (r) => r.name);
    const layers = (rotation.layers ?? []).filter((l): l is { id: string; name?: string } => !!l.id);
    const layer =
      input.layer !== undefined
        ? pick(layers, input.layer, `layer of ${rotation.name}`, '/layer', (l) => [l.name])
        : only(layers, `rotation ${rotation.name}`, '/layer', (l) => l.name ?? l.id);
    const same = (o: Override) =>
      o.user?.id === user.id && parseTimestamp(o.start_at) === start && parseTimestamp(o.end_at) === end;
    const existing = (await overridesOf(ctx, schedule.id, rotation.id, layer.id)).find(same);
    if (existing) return { done: { id: existing.id, outcome: 'existing' } };
    const startAt = new Date(start).toISOString();
    const endAt = new Date(end).toISOString();
    return {
      async recheck() {
        ctx.cache.forget(`overrides:${schedule.id}:${rotation.id}:${layer.id}`);
        const found = (await overridesOf(ctx, schedule.id, rotation.id, layer.id)).find(same);
        return found && { id: found.id, outcome: 'created' };
      },
      claim: `override:${schedule.id}:${rotation.id}:${layer.id}:${user.id}:${start}:${end}`,
      request: {
        method: 'POST',
        path: '/v2/schedule_overrides',
        body: compact({
          schedule_id: schedule.id,
          rotation_id: rotation.id,
          layer_id: layer.id,
          user: { id: user.id },
          start_at: startAt,
          end_at: endAt,
        }),
      },
      interpret(data) {
        const o = (data as { override: Override }).override;
        return { id: o.id, outcome: 'created' };
      },
    };
  },
});
