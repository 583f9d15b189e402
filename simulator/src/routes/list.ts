// Helpers for list routes over collections: page parameters, pagination_meta, the public view of a
// record, and the bracket filters (x[one_of]=, x[not_in]=, x[is]=, x[gte]=, x[lte]=, x[date_range]=).
import { SimHttpError } from '../errors';
import { LiveRuleError } from '../live-rules';
import { parseTimeUs } from '../query';
import { KEEP_ALL, type Collection, type PageResult, type Rec } from '../resources/collection';
import type { RouteContext } from './types';

export type Ops = Record<string, string[]>;

export const invalid = (field: string, message: string): SimHttpError =>
  SimHttpError.one(422, 'validation_error', 'invalid_value', message, field);

/**
 * Every pagination_meta schema of the spec caps page_size at 250, while /v2/users and /v2/schedules
 * accept requests up to 10000: such pages are served (and reported) at 250, the most a valid response
 * can say it returned.
 */
export const MAX_SERVED_PAGE_SIZE = 250;

/** page_size after validation (the spec's default filled in), else `fallback`; at most 250. */
export function pageSize(ctx: RouteContext, fallback = 25): number {
  const requested = typeof ctx.query.page_size === 'number' ? ctx.query.page_size : fallback;
  return Math.min(requested, MAX_SERVED_PAGE_SIZE);
}

export function str(ctx: RouteContext, name: string): string | undefined {
  const v = ctx.query[name];
  return typeof v === 'string' ? v : undefined;
}

/** The record without the simulator's own "_" fields. */
export function publicView(r: Rec): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!k.startsWith('_')) out[k] = v;
  return out;
}

/**
 * Pages `list` (records of `c` in its order) with page_size/after from the query and answers
 * `{[field]: records, pagination_meta}`. `total` adds total_record_count.
 */
export function listPage<T extends Rec>(
  ctx: RouteContext,
  c: Collection<T>,
  list: readonly T[],
  field: string,
  opts: { total?: boolean; newestFirst?: boolean; view?: (r: T) => unknown } = {}
): Record<string, unknown> {
  const size = pageSize(ctx);
  const page: PageResult<T> = c.page(list, {
    pageSize: size,
    after: str(ctx, 'after'),
    newestFirst: opts.newestFirst,
  });
  return {
    [field]: page.items.map(opts.view ?? publicView),
    pagination_meta: {
      ...(page.after !== undefined && { after: page.after }),
      page_size: size,
      ...(opts.total && { total_record_count: page.total }),
    },
  };
}

function ops(ctx: RouteContext, name: string): Ops | undefined {
  const v = ctx.query[name];
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Ops) : undefined;
}

/** A one_of / not_in (and `is`) filter on a string-valued attribute; undefined when not asked. */
export function membership<T>(
  ctx: RouteContext,
  name: string,
  get: (r: T) => string | string[] | undefined,
  allowed: readonly string[] = ['one_of', 'not_in']
): ((r: T) => boolean) | undefined {
  const o = ops(ctx, name);
  if (!o) return undefined;
  const tests = Object.entries(o).map(([op, values]) => {
    if (!allowed.includes(op))
      throw invalid(`${name}[${op}]`, `${name} accepts the operators ${allowed.join(', ')}`);
    const set = new Set(values);
    return (r: T): boolean => {
      const v = get(r);
      const hit = Array.isArray(v) ? v.some((x) => set.has(x)) : v !== undefined && set.has(v);
      return op === 'not_in' ? !hit : hit;
    };
  });
  return (r) => tests.every((t) => t(r));
}

/**
 * How a time filter's bounds match: to the microsecond, or by whole UTC days. incidents and
 * escalations match by day (README "What the simulator models"): `gte` from the start of its day,
 * `lte` through the end of its day, `date_range` both days inclusive and given as plain dates.
 */
export type TimeGrain = 'exact' | 'day';

const DAY_US = 86_400_000_000;
const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The inclusive [min, max] (µs) that FIELD[gte] / [lte] / [date_range] (`a~b`) asks for, or
 * undefined when the field is not filtered. One operator with one value per field: `[gte]` and
 * `[lte]` together are refused by the live API (a bounded window is one `date_range`).
 */
export function timeWindow(
  name: string,
  o: Ops | undefined,
  grain: TimeGrain
): { min: number; max: number } | undefined {
  if (!o) return undefined;
  const given: Array<[string, string]> = [];
  for (const [op, values] of Object.entries(o)) {
    if (op !== 'gte' && op !== 'lte' && op !== 'date_range')
      throw invalid(`${name}[${op}]`, `${name} accepts the operators gte, lte and date_range`);
    for (const v of values) given.push([op, v]);
  }
  if (given.length === 0) return undefined;
  if (given.length > 1) {
    const sent = given.map(([op]) => `${name}[${op}]`).join(' and ');
    throw new LiveRuleError(
      'one_time_operator_per_field',
      `${name}[${given[1][0]}]`,
      `${sent} together are not supported: send a bounded window as one ${name}[date_range]=START~END`
    );
  }
  const [op, v] = given[0];
  const parse = (text: string): number => {
    const t = parseTimeUs(text);
    if (t === undefined)
      throw invalid(`${name}[${op}]`, `${name}[${op}] must be a date or an RFC 3339 timestamp`);
    return t;
  };
  const dayStart = (t: number): number => Math.floor(t / DAY_US) * DAY_US;
  if (op === 'date_range') {
    const parts = v.split('~');
    if (parts.length !== 2)
      throw invalid(`${name}[${op}]`, `${name}[date_range] must look like 2024-12-02~2024-12-08`);
    if (grain === 'day' && !parts.every((p) => PLAIN_DATE.test(p))) {
      throw new LiveRuleError(
        'date_range_whole_days',
        `${name}[date_range]`,
        `${name}[date_range] takes two dates, e.g. 2024-12-02~2024-12-08 (both days included)`
      );
    }
    const [a, b] = parts.map(parse);
    return { min: a, max: grain === 'day' ? b + DAY_US - 1 : b };
  }
  const t = parse(v);
  if (op === 'gte') return { min: grain === 'day' ? dayStart(t) : t, max: Infinity };
  return { min: -Infinity, max: grain === 'day' ? dayStart(t) + DAY_US - 1 : t };
}

/** The [min, max] (µs) a created_at-style filter asks for, or undefined when it is not used. */
export function timeBounds(
  ctx: RouteContext,
  name: string,
  grain: TimeGrain
): { min: number; max: number } | undefined {
  return timeWindow(name, ops(ctx, name), grain);
}

/**
 * The records of `c` whose `field` lies in the query's window for it (by binary search when the list
 * is ordered by that field) and that match `filter`, which must not test `field` again.
 */
export function narrowed<T extends Rec>(
  ctx: RouteContext,
  c: Collection<T>,
  field: string,
  grain: TimeGrain,
  filter: (r: T) => boolean
): T[] {
  const b = timeBounds(ctx, field, grain);
  const base = b ? c.within(field, b.min, b.max, parseTimeUs) : c.view();
  return filter === KEEP_ALL ? base.slice() : base.filter(filter);
}

/** A filter on a timestamp field (see timeWindow); undefined when not asked. */
export function timeFilter<T>(
  ctx: RouteContext,
  name: string,
  grain: TimeGrain,
  get: (r: T) => string | undefined
): ((r: T) => boolean) | undefined {
  const b = timeBounds(ctx, name, grain);
  if (!b) return undefined;
  return (r) => {
    const v = get(r);
    const t = v === undefined ? undefined : parseTimeUs(v);
    return t !== undefined && t >= b.min && t <= b.max;
  };
}

/** All of the given filters (undefined ones are skipped). */
export function allOf<T>(...filters: Array<((r: T) => boolean) | undefined>): (r: T) => boolean {
  const fs = filters.filter((f): f is (r: T) => boolean => f !== undefined);
  if (fs.length === 0) return KEEP_ALL;
  return (r) => fs.every((f) => f(r));
}
