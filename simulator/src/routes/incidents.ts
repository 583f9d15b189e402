// Incidents V2: list (filters, default hiding, cursor paging), show and idempotent create.
import {
  CATALOG_TYPE_IDS,
  CF,
  CUSTOM_FIELDS,
  INCIDENT_ROLES,
  INCIDENT_TIMESTAMPS,
  INCIDENT_TYPES,
  SEVERITIES,
  STATUS_CATEGORIES,
  STATUSES,
  USERS,
} from '../config';
import { SimHttpError } from '../errors';
import { LiveRuleError } from '../live-rules';
import {
  MAX_UPDATE_LAG_US,
  MODES,
  type Attrs,
  type ExtraFieldValues,
  type IncidentStore,
  type NewIncident,
  type Predicate,
} from '../incidents';
import { parseTimeUs } from '../query';
import { MAX_SERVED_PAGE_SIZE, timeWindow } from './list';
import type { Endpoint, RouteContext } from './types';

type Ops = Record<string, string[]>;

const HIDDEN_CATEGORIES = new Set(['declined', 'canceled', 'merged']);
const DEFAULT_MODES = new Set(['standard', 'retrospective']);

const invalid = (field: string, message: string): SimHttpError =>
  SimHttpError.one(422, 'validation_error', 'invalid_value', message, field);

/** Looks up each value; an unknown one is a 422 naming the filter, as a typo should not match nothing. */
function indexesOf(name: string, op: string, values: string[], find: (v: string) => number): Set<number> {
  return new Set(
    values.map((v) => {
      const i = find(v);
      if (i < 0) throw invalid(`${name}[${op}]`, `${name}[${op}] has an unknown value: ${v}`);
      return i;
    })
  );
}

/** A one_of / not_in filter on one attribute. */
function membership(
  name: string,
  ops: Ops,
  find: (v: string) => number,
  get: (a: Attrs) => number
): Predicate {
  const tests = Object.entries(ops).map(([op, values]) => {
    if (op !== 'one_of' && op !== 'not_in') {
      throw invalid(`${name}[${op}]`, `${name} accepts the operators one_of and not_in`);
    }
    const set = indexesOf(name, op, values, find);
    return (a: Attrs) => set.has(get(a)) === (op === 'one_of');
  });
  return { usesIndex: false, test: (a) => tests.every((t) => t(a)) };
}

function severityFilter(ops: Ops): Predicate {
  const findSev = (v: string) => SEVERITIES.findIndex((s) => s.id === v);
  const tests = Object.entries(ops).map(([op, values]) => {
    if (op === 'one_of' || op === 'not_in')
      return membership('severity', { [op]: values }, findSev, (a) => a.severity).test;
    if (op !== 'gte' && op !== 'lte') {
      throw invalid(`severity[${op}]`, 'severity accepts the operators one_of, not_in, gte and lte');
    }
    const ranks = [...indexesOf('severity', op, values, findSev)].map((i) => SEVERITIES[i].rank);
    return (a: Attrs) =>
      a.severity >= 0 &&
      ranks.every((r) =>
        op === 'gte' ? SEVERITIES[a.severity].rank >= r : SEVERITIES[a.severity].rank <= r
      );
  });
  return { usesIndex: false, test: (a) => tests.every((t) => t(a, -1)) };
}

/** created_at / updated_at windows on incidents match by whole UTC days (routes/list.ts timeWindow). */
function timeBounds(name: string, o: Ops): [number, number] {
  const w = timeWindow(name, o, 'day');
  return w ? [w.min, w.max] : [-Infinity, Infinity];
}

/** custom_field[ID][op] and incident_role[ID][op] have one more level of nesting. */
function nested(value: unknown): Record<string, Ops> {
  return (value ?? {}) as Record<string, Ops>;
}

interface Selection {
  predicate: Predicate;
  lo: number;
  hi: number;
  sparse: number[];
}

/** Turns the validated query into a predicate and an index window. */
function select(q: Record<string, unknown>, store: IncidentStore): Selection {
  const filters: Predicate[] = [];
  const any = q.filter_mode === 'any';
  let lo = 0;
  let hi = store.count();
  let sparse: number[] = [];
  const ops = (name: string) => q[name] as Ops | undefined;

  if (ops('status_category')) {
    filters.push(
      membership(
        'status_category',
        ops('status_category')!,
        (v) => STATUS_CATEGORIES.indexOf(v as never),
        (a) => STATUS_CATEGORIES.indexOf(STATUSES[a.status].category)
      )
    );
  }
  if (ops('mode')) {
    filters.push(
      membership(
        'mode',
        ops('mode')!,
        (v) => MODES.indexOf(v as never),
        (a) => MODES.indexOf(a.mode)
      )
    );
  }
  if (ops('status')) {
    filters.push(
      membership(
        'status',
        ops('status')!,
        (v) => STATUSES.findIndex((s) => s.id === v),
        (a) => a.status
      )
    );
  }
  if (ops('incident_type')) {
    filters.push(
      membership(
        'incident_type',
        ops('incident_type')!,
        (v) => INCIDENT_TYPES.findIndex((t) => t.id === v),
        (a) => a.type
      )
    );
  }
  if (ops('severity')) filters.push(severityFilter(ops('severity')!));
  for (const [fieldId, fieldOps] of Object.entries(nested(q.custom_field))) {
    const field = CUSTOM_FIELDS.find((f) => f.id === fieldId);
    if (field !== CUSTOM_FIELDS[0]) {
      throw invalid(`custom_field[${fieldId}]`, 'custom_field filters need the id of a select custom field');
    }
    filters.push(
      membership(
        `custom_field[${fieldId}]`,
        fieldOps,
        (v) => field.options.findIndex((o) => o.id === v),
        (a) => a.team
      )
    );
  }
  for (const [roleId, roleOps] of Object.entries(nested(q.incident_role))) {
    const role = INCIDENT_ROLES.findIndex((r) => r.id === roleId);
    const isSet = roleOps.is_set;
    if (
      role < 0 ||
      Object.keys(roleOps).some((op) => op !== 'is_set') ||
      !isSet?.every((v) => v === 'true' || v === 'false')
    ) {
      throw invalid(
        `incident_role[${roleId}]`,
        'incident_role filters look like incident_role[ROLE_ID][is_set]=true'
      );
    }
    filters.push({
      usesIndex: false,
      test: (a) => isSet.every((v) => (role === 0 ? a.lead : a.reporter) >= 0 === (v === 'true')),
    });
  }
  if (ops('created_at')) {
    const [min, max] = timeBounds('created_at', ops('created_at')!);
    if (any) {
      filters.push({ usesIndex: true, test: (_a, i) => inRange(store.createdUs(i), min, max) });
    } else {
      // created_at increases with the index: the window is two binary searches, not a scan.
      lo = min === -Infinity ? 0 : store.lowerBound(min);
      hi = max === Infinity ? store.count() : store.lowerBound(max, true);
    }
  }
  if (ops('updated_at')) {
    const [min, max] = timeBounds('updated_at', ops('updated_at')!);
    // created_at <= updated_at <= created_at + MAX_UPDATE_LAG unless touched (then updated_at = now).
    // So from index `sureMin` on, updated_at >= min holds; below `sureMax` untouched ones are <= max.
    // Most indexes are then decided without computing updated_at.
    const sureMin = min === -Infinity ? 0 : store.lowerBound(min);
    const sureMax = max === Infinity ? Infinity : store.lowerBound(max - MAX_UPDATE_LAG_US, true);
    filters.push({
      usesIndex: true,
      test: (_a, i) =>
        (i >= sureMin || store.updatedUs(i) >= min) &&
        ((i < sureMax && !store.isTouched(i)) || store.updatedUs(i) <= max),
    });
    if (!any) {
      // Only a window of the index space can match, plus the touched incidents below it.
      if (max !== Infinity) hi = Math.min(hi, store.lowerBound(max, true));
      const cut =
        min === -Infinity ? lo : Math.min(Math.max(lo, store.lowerBound(min - MAX_UPDATE_LAG_US)), hi);
      sparse = store.touchedIn(lo, cut);
      lo = cut;
    }
  }

  // Like the API, hide test/tutorial incidents and declined/canceled/merged ones unless asked for.
  const hideModes = !ops('mode');
  const hideCategories = !ops('status_category');
  const usesIndex = filters.some((f) => f.usesIndex);
  const explicit = (a: Attrs, i: number): boolean => {
    if (filters.length === 0) return true;
    for (const f of filters) if (f.test(a, i) === any) return any;
    return !any;
  };
  return {
    lo,
    hi,
    sparse,
    predicate: {
      usesIndex,
      test: (a, i) =>
        (!hideModes || DEFAULT_MODES.has(a.mode)) &&
        (!hideCategories || !HIDDEN_CATEGORIES.has(STATUSES[a.status].category)) &&
        explicit(a, i),
    },
  };
}

const inRange = (t: number, min: number, max: number): boolean => t >= min && t <= max;

function showIndex(ctx: RouteContext): number {
  const i = ctx.store.indexOfIdOrNumber(ctx.params.id);
  if (i === undefined) throw SimHttpError.notFound(`No incident found with id ${ctx.params.id}`);
  return i;
}

interface CreatePayload {
  idempotency_key: string;
  visibility: 'public' | 'private';
  name?: string;
  summary?: string;
  mode?: (typeof MODES)[number];
  severity_id?: string;
  incident_status_id?: string;
  incident_type_id?: string;
  slack_channel_name_override?: string;
  custom_field_entries?: {
    custom_field_id: string;
    values: {
      value_option_id?: string;
      id?: string;
      value_text?: string;
      value_numeric?: string;
      value_link?: string;
      value_catalog_entry_id?: string;
    }[];
  }[];
  incident_role_assignments?: {
    incident_role_id: string;
    assignee?: { id?: string; email?: string; slack_user_id?: string };
  }[];
  incident_timestamp_values?: { incident_timestamp_id: string; value?: string }[];
}

function lookup<T extends { id: string }>(
  items: readonly T[],
  id: string | undefined,
  field: string,
  what: string
): number {
  if (id === undefined) return -1;
  const i = items.findIndex((x) => x.id === id);
  if (i < 0) throw invalid(field, `No ${what} exists with id ${id}`);
  return i;
}

/** Resolves the payload's references like the API does: an unknown id is a 422 naming the field. */
function toNewIncident(b: CreatePayload, ctx: RouteContext): NewIncident {
  const mode = b.mode ?? 'standard';
  const type = b.incident_type_id
    ? lookup(INCIDENT_TYPES, b.incident_type_id, 'incident_type_id', 'incident type')
    : INCIDENT_TYPES.findIndex((t) => t.is_default);
  let status = lookup(STATUSES, b.incident_status_id, 'incident_status_id', 'incident status');
  if (status < 0) {
    const initial =
      mode === 'retrospective'
        ? 'Closed'
        : INCIDENT_TYPES[type].create_in_triage === 'always'
          ? 'Triage'
          : 'Investigating';
    status = STATUSES.findIndex((s) => s.name === initial);
  }
  const attrs: Attrs = {
    mode,
    status,
    severity: lookup(SEVERITIES, b.severity_id, 'severity_id', 'severity'),
    type,
    visibility: b.visibility ?? 'public',
    team: -1,
    lead: -1,
    reporter: -1,
  };
  let customerImpact: string | undefined;
  const extra: ExtraFieldValues = {};
  (b.custom_field_entries ?? []).forEach((entry, k) => {
    const at = `custom_field_entries.${k}`;
    const field = lookup(CUSTOM_FIELDS, entry.custom_field_id, `${at}.custom_field_id`, 'custom field');
    entry.values.forEach((v, j) => {
      const option = (f: number): number =>
        lookup(
          CUSTOM_FIELDS[f].options,
          v.value_option_id ?? v.id,
          `${at}.values.${j}.value_option_id`,
          'custom field option'
        );
      switch (field) {
        case CF.team:
          attrs.team = option(CF.team);
          break;
        case CF.components:
          extra.components = [...new Set([...(extra.components ?? []), option(CF.components)])].sort(
            (a, b) => a - b
          );
          break;
        case CF.revenue:
          if (v.value_numeric === undefined || !Number.isFinite(Number(v.value_numeric))) {
            throw invalid(`${at}.values.${j}.value_numeric`, 'A numeric custom field needs a number');
          }
          extra.revenue = v.value_numeric;
          break;
        case CF.runbook:
          extra.runbook = v.value_link;
          break;
        case CF.service: {
          const id = v.value_catalog_entry_id ?? v.id;
          const e = id === undefined ? undefined : ctx.db.catalog_entries.get(id);
          if (!e || e.catalog_type_id !== CATALOG_TYPE_IDS.service) {
            throw invalid(
              `${at}.values.${j}.value_catalog_entry_id`,
              `No Service catalog entry has id ${id}`
            );
          }
          extra.service = {
            id: e.id,
            name: e.name,
            aliases: e.aliases,
            ...(e.external_id !== undefined && { external_id: e.external_id }),
          };
          break;
        }
        default:
          customerImpact = v.value_text;
      }
    });
  });
  (b.incident_role_assignments ?? []).forEach((assignment, k) => {
    const at = `incident_role_assignments.${k}`;
    const role = lookup(
      INCIDENT_ROLES,
      assignment.incident_role_id,
      `${at}.incident_role_id`,
      'incident role'
    );
    const a = assignment.assignee;
    const user = a
      ? USERS.findIndex((u) => u.id === a.id || u.email === a.email || u.slack_user_id === a.slack_user_id)
      : -1;
    if (a && user < 0) throw invalid(`${at}.assignee`, 'No user matches this assignee');
    if (role === 0) attrs.lead = user;
    else attrs.reporter = user;
  });
  let impactStartedUs: number | undefined;
  (b.incident_timestamp_values ?? []).forEach((tv, k) => {
    const at = `incident_timestamp_values.${k}`;
    const ts = lookup(
      INCIDENT_TIMESTAMPS,
      tv.incident_timestamp_id,
      `${at}.incident_timestamp_id`,
      'incident timestamp'
    );
    if (ts === 1 && tv.value !== undefined) impactStartedUs = parseTimeUs(tv.value);
  });
  return {
    attrs,
    name: b.name ?? 'Untitled incident',
    ...(b.summary !== undefined && { summary: b.summary }),
    creator: { api_key: { id: ctx.key.id, name: ctx.key.name } },
    ...(customerImpact !== undefined && { customerImpact }),
    ...(impactStartedUs !== undefined && { impactStartedUs }),
    hasDebrief: false,
    extraFields: extra,
    ...(b.slack_channel_name_override !== undefined && { slackChannelName: b.slack_channel_name_override }),
    idempotencyKey: b.idempotency_key,
  };
}

const READ = 'any' as const;

export const incidentEndpoints: Endpoint[] = [
  // Spec: GET /v2/incidents (Incidents V2#List). The schema allows page_size 500; the live API serves
  // at most 250 a page and says so in pagination_meta.page_size (README "What the simulator models").
  {
    route: 'GET /v2/incidents',
    roles: READ,
    handle(ctx) {
      const q = ctx.query;
      const requested = typeof q.page_size === 'number' ? q.page_size : 25;
      if (requested < 1) throw invalid('page_size', 'page_size must be at least 1');
      const pageSize = Math.min(requested, MAX_SERVED_PAGE_SIZE);
      const after = typeof q.after === 'string' ? q.after : undefined;
      const afterIndex = after === undefined ? undefined : ctx.store.indexOfId(after);
      if (after !== undefined && afterIndex === undefined) {
        throw SimHttpError.notFound(`No incident found for the after cursor ${after}`);
      }
      const { predicate, lo, hi, sparse } = select(q, ctx.store);
      const page = ctx.store.page({
        pageSize,
        afterIndex,
        oldestFirst: q.sort_by === 'created_at_oldest_first',
        lo,
        hi,
        sparse,
        predicate,
      });
      const last = page.indexes[page.indexes.length - 1];
      return {
        incidents: page.indexes.map((i) => ctx.store.render(i)),
        pagination_meta: {
          ...(page.hasMore && { after: ctx.store.id(last) }),
          page_size: pageSize,
          total_record_count: page.total,
        },
      };
    },
  },
  // Spec: POST /v2/incidents (Incidents V2#Create). 200, not 201; a reused idempotency_key returns the
  // incident it created (what the API does there is undocumented; this is the useful reading).
  {
    route: 'POST /v2/incidents',
    roles: ['incident_creator', 'incident_editor', 'global_access'],
    handle(ctx) {
      const b = (ctx.body ?? {}) as CreatePayload;
      // The spec's own error example, for every mode: no mode is documented to open without one.
      if (b.severity_id === undefined) {
        throw new LiveRuleError(
          'severity_required',
          'severity_id',
          'A severity is required to open an incident',
          'is_required'
        );
      }
      const existing = ctx.store.indexOfIdempotencyKey(b.idempotency_key);
      if (existing !== undefined) return { incident: ctx.store.render(existing) };
      const index = ctx.store.create(toNewIncident(b, ctx));
      ctx.created('incidents');
      return { incident: ctx.store.render(index) };
    },
  },
  // Spec: GET /v2/incidents/{id} (Incidents V2#Show). The id may also be the reference's number.
  {
    route: 'GET /v2/incidents/{id}',
    roles: READ,
    handle: (ctx) => ({ incident: ctx.store.render(showIndex(ctx)) }),
  },
];
