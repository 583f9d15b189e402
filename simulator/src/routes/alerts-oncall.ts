// Alerts and on-call: alerts (+ show), alert notes, sources (+ show), attributes, routes, escalations,
// escalation paths, schedules, schedule entries (paged by time window), schedule overrides,
// maintenance windows and workflow runs.
import { LiveRuleError } from '../live-rules';
import { parseTimeUs } from '../query';
import {
  finalEntries,
  nextShifts,
  overrideEntries,
  renderEntry,
  scheduledEntries,
  sortEntries,
} from '../resources/schedule-entries';
import type { AlertRec, EscalationRec, MaintenanceWindowRec, WorkflowRunRec } from '../resources/types';
import {
  allOf,
  invalid,
  listPage,
  membership,
  narrowed,
  pageSize,
  publicView,
  str,
  timeFilter,
} from './list';
import type { Endpoint, RouteContext } from './types';

const READ = 'any' as const;
/** Final entries per page of /v2/schedule_entries (the API's own number is not documented). */
export const SCHEDULE_ENTRIES_PER_PAGE = 100;
const DAY_MS = 86_400_000;
/** GET /v2/schedules returns next_shifts only up to this page size (spec, page_size description). */
export const MAX_PAGE_SIZE_WITH_NEXT_SHIFTS = 25;

/** `x[is]=true|false` filters. */
function boolIs<T>(ctx: RouteContext, name: string, get: (r: T) => boolean): ((r: T) => boolean) | undefined {
  const ops = ctx.query[name] as Record<string, string[]> | undefined;
  if (!ops) return undefined;
  for (const op of Object.keys(ops)) {
    if (op !== 'is') throw invalid(`${name}[${op}]`, `${name} accepts the operator is`);
  }
  const want = ops.is.map((v) => v === 'true');
  return (r) => want.every((w) => get(r) === w);
}

function timeParam(ctx: RouteContext, name: string): number | undefined {
  const v = str(ctx, name);
  if (v === undefined) return undefined;
  const us = parseTimeUs(v);
  if (us === undefined) throw invalid(name, `${name} must be an RFC 3339 timestamp`);
  return Math.floor(us / 1000);
}

export const alertsOnCallEndpoints: Endpoint[] = [
  // Spec: GET /v2/alerts (Alerts V2#List) — page_size required (1..50); newest first.
  {
    route: 'GET /v2/alerts',
    roles: READ,
    handle(ctx) {
      // Built only when asked for: listing alerts must not cost a pass over every note.
      let withNotes: Set<string | undefined> | undefined;
      const hasNotes = (id: string) => {
        withNotes ??= new Set(ctx.db.alert_notes.view().map((n) => n.alert_id));
        return withNotes.has(id);
      };
      const filter = allOf<AlertRec>(
        // created_at is applied by narrowed(), by binary search.
        membership(ctx, 'status', (a) => a.status),
        membership(ctx, 'alert_source', (a) => a.alert_source_id),
        membership(ctx, 'deduplication_key', (a) => a.deduplication_key, ['is']),
        membership(ctx, 'alert_group_id', (a) => a.alert_group_ids ?? [], ['one_of']),
        boolIs(ctx, 'has_notes', (a) => hasNotes(a.id))
      );
      // Alerts take exact timestamps in their time filters.
      return listPage(
        ctx,
        ctx.db.alerts,
        narrowed(ctx, ctx.db.alerts, 'created_at', 'exact', filter),
        'alerts',
        {
          newestFirst: true,
        }
      );
    },
  },
  // Spec: GET /v2/alerts/{id} (Alerts V2#Show)
  {
    route: 'GET /v2/alerts/{id}',
    roles: READ,
    handle: (ctx) => ({ alert: publicView(ctx.db.alerts.require(ctx.params.id)) }),
  },
  // Spec: GET /v1/alert_notes (Alert Notes V1#List) — exactly one of alert_id / alert_group_id.
  {
    route: 'GET /v1/alert_notes',
    roles: READ,
    handle(ctx) {
      const alert = str(ctx, 'alert_id');
      const group = str(ctx, 'alert_group_id');
      if ((alert === undefined) === (group === undefined)) {
        throw new LiveRuleError(
          'alert_notes_one_parent',
          'alert_id',
          'Provide exactly one of alert_id or alert_group_id'
        );
      }
      if (alert !== undefined) ctx.db.alerts.require(alert);
      const list = ctx.db.alert_notes.filter((n) =>
        alert !== undefined ? n.alert_id === alert : n.alert_group_id === group
      );
      return listPage(ctx, ctx.db.alert_notes, list, 'alert_notes');
    },
  },
  // Spec: GET /v2/alert_sources (Alert Sources V2#List) — not paginated; includes secret_token.
  {
    route: 'GET /v2/alert_sources',
    roles: READ,
    handle: (ctx) => ({ alert_sources: ctx.db.alert_sources.all().map(publicView) }),
  },
  // Spec: GET /v2/alert_sources/{id} (Alert Sources V2#Show)
  {
    route: 'GET /v2/alert_sources/{id}',
    roles: READ,
    handle: (ctx) => ({ alert_source: publicView(ctx.db.alert_sources.require(ctx.params.id)) }),
  },
  // Spec: GET /v2/alert_attributes (Alert Attributes V2#List) — not paginated.
  {
    route: 'GET /v2/alert_attributes',
    roles: READ,
    handle: (ctx) => ({ alert_attributes: ctx.db.alert_attributes.all().map(publicView) }),
  },
  // Spec: GET /v2/alert_routes (Alert Routes V2#List) — page_size required (1..50).
  {
    route: 'GET /v2/alert_routes',
    roles: READ,
    handle: (ctx) => listPage(ctx, ctx.db.alert_routes, ctx.db.alert_routes.all(), 'alert_routes'),
  },
  // Spec: GET /v2/escalations (Escalations V2#List) — at most 50 a page; newest first.
  {
    route: 'GET /v2/escalations',
    roles: READ,
    handle(ctx) {
      const filter = allOf<EscalationRec>(
        // created_at is applied by narrowed(), by binary search.
        // Escalations match their time filters by whole days, like incidents.
        timeFilter(ctx, 'updated_at', 'day', (e) => e.updated_at),
        membership(ctx, 'status', (e) => e.status),
        membership(ctx, 'escalation_path', (e) => e.escalation_path_id),
        membership(ctx, 'alert', (e) => e.related_alerts.map((a) => a.id)),
        membership(ctx, 'incident', (e) => e.related_incidents.map((i) => i.id)),
        idempotencyFilter(ctx)
      );
      return listPage(
        ctx,
        ctx.db.escalations,
        narrowed(ctx, ctx.db.escalations, 'created_at', 'day', filter),
        'escalations',
        {
          newestFirst: true,
        }
      );
    },
  },
  // Spec: GET /v2/escalation_paths (Escalations V2#ListPaths) — at most 25 a page.
  {
    route: 'GET /v2/escalation_paths',
    roles: READ,
    handle: (ctx) =>
      listPage(ctx, ctx.db.escalation_paths, ctx.db.escalation_paths.all(), 'escalation_paths'),
  },
  // Spec: GET /v2/schedules (Schedules V2#List) — "next_shifts will only be returned when the page
  // size is 25 or lower": above that it is always empty.
  {
    route: 'GET /v2/schedules',
    roles: READ,
    handle(ctx) {
      const withShifts = pageSize(ctx) <= MAX_PAGE_SIZE_WITH_NEXT_SHIFTS;
      const now = Date.now();
      return listPage(ctx, ctx.db.schedules, ctx.db.schedules.all(), 'schedules', {
        total: true,
        view: (s) => ({
          ...publicView(s),
          next_shifts: withShifts ? nextShifts(ctx.db, s, now).map(renderEntry) : [],
        }),
      });
    },
  },
  // Spec: GET /v2/schedule_entries (Schedules V2#ListScheduleEntries) — paged by time: the cursor is
  // the end of the page's last final entry, sent back as entry_window_start; the last page has no
  // pagination_meta.
  {
    route: 'GET /v2/schedule_entries',
    roles: READ,
    handle(ctx) {
      const schedule = ctx.db.schedules.require(String(ctx.query.schedule_id));
      const start = timeParam(ctx, 'entry_window_start') ?? Date.now();
      const end = timeParam(ctx, 'entry_window_end') ?? start + 7 * DAY_MS;
      if (end <= start) {
        return { schedule_entries: { final: [], scheduled: [], overrides: [] } };
      }
      const all = finalEntries(ctx.db, schedule, start, end);
      let n = Math.min(SCHEDULE_ENTRIES_PER_PAGE, all.length);
      // Entries ending at the same moment stay on one page: the next one starts after that moment.
      while (n > 0 && n < all.length && all[n].endMs === all[n - 1].endMs) n++;
      const page = all.slice(0, n);
      const more = n < all.length;
      const pageEnd = more ? page[page.length - 1].endMs : Infinity;
      const inPage = (e: { endMs: number }) => e.endMs <= pageEnd;
      const overrides = ctx.db.schedule_overrides.filter((o) => o.schedule_id === schedule.id);
      const body: Record<string, unknown> = {
        schedule_entries: {
          final: page.map(renderEntry),
          scheduled: sortEntries(scheduledEntries(schedule, start, end).filter(inPage)).map(renderEntry),
          overrides: sortEntries(overrideEntries(overrides, start, end).filter(inPage)).map(renderEntry),
        },
      };
      if (more) {
        const after = renderEntry(page[page.length - 1]).end_at as string;
        const q = new URLSearchParams({
          schedule_id: schedule.id,
          entry_window_start: after,
          entry_window_end: new Date(end).toISOString(),
        });
        body.pagination_meta = { after, after_url: `https://api.incident.io/v2/schedule_entries?${q}` };
      }
      return body;
    },
  },
  // Spec: GET /v2/schedule_overrides (Schedules V2#ListOverrides) — schedule_id required.
  {
    route: 'GET /v2/schedule_overrides',
    roles: READ,
    handle(ctx) {
      const schedule = ctx.db.schedules.require(String(ctx.query.schedule_id));
      const rotation = str(ctx, 'rotation_id');
      const layer = str(ctx, 'layer_id');
      const list = ctx.db.schedule_overrides.filter(
        (o) =>
          o.schedule_id === schedule.id &&
          (rotation === undefined || o.rotation_id === rotation) &&
          (layer === undefined || o.layer_id === layer)
      );
      return listPage(ctx, ctx.db.schedule_overrides, list, 'overrides');
    },
  },
  // Spec: GET /v1/maintenance_windows (MaintenanceWindows V1#List) — at most 50 a page.
  {
    route: 'GET /v1/maintenance_windows',
    roles: READ,
    handle(ctx) {
      const status = str(ctx, 'status');
      const now = Date.now();
      const statusOf = (w: MaintenanceWindowRec): string =>
        now < Date.parse(w.start_at) ? 'upcoming' : now < Date.parse(w.end_at) ? 'active' : 'past';
      const list = ctx.db.maintenance_windows.filter((w) => status === undefined || statusOf(w) === status);
      return listPage(ctx, ctx.db.maintenance_windows, list, 'maintenance_windows');
    },
  },
  // Spec: GET /v2/workflow_runs (WorkflowRuns V2#List) — newest first; cancelled runs never returned;
  // an unknown `after` is a 404.
  {
    route: 'GET /v2/workflow_runs',
    roles: READ,
    handle(ctx) {
      const workflow = str(ctx, 'workflow_id');
      const incident = str(ctx, 'incident_id');
      const filter = allOf<WorkflowRunRec>(
        (r) => r.cancelled_at === undefined,
        timeFilter(ctx, 'created_at', 'exact', (r) => r.created_at),
        workflow === undefined ? undefined : (r) => r.workflow_id === workflow,
        incident === undefined ? undefined : (r) => r.incident_id === incident
      );
      return listPage(ctx, ctx.db.workflow_runs, ctx.db.workflow_runs.filter(filter), 'workflow_runs', {
        newestFirst: true,
        total: true,
      });
    },
  },
];

/** idempotency_key[is] / [starts_with] on escalations. */
function idempotencyFilter(ctx: RouteContext): ((e: EscalationRec) => boolean) | undefined {
  const ops = ctx.query.idempotency_key as Record<string, string[]> | undefined;
  if (!ops) return undefined;
  const tests = Object.entries(ops).map(([op, values]) => {
    if (op === 'is') return (k: string) => values.includes(k);
    if (op === 'starts_with') return (k: string) => values.some((v) => k.startsWith(v));
    throw invalid(`idempotency_key[${op}]`, 'idempotency_key accepts the operators is and starts_with');
  });
  return (e) => e._idempotency_key !== undefined && tests.every((t) => t(e._idempotency_key!));
}
