// Helpers for list routes over collections: page parameters, pagination_meta, the public view of a
// record, and the bracket filters (x[one_of]=, x[not_in]=, x[is]=, x[gte]=, x[lte]=, x[date_range]=).
import { SimHttpError } from '../errors';
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

/** gte / lte / date_range (`a~b`) on a timestamp field; undefined when not asked. */
/** The [min, max] (µs) a created_at-style filter asks for, or undefined when it is not used. */
export function timeBounds(ctx: RouteContext, name: string): { min: number; max: number } | undefined {
  const probe = timeFilter<{ t: number }>(ctx, name, () => undefined);
  if (!probe) return undefined;
  const o = ops(ctx, name)!;
  let min = -Infinity;
  let max = Infinity;
  for (const [op, values] of Object.entries(o)) {
    for (const v of values) {
      const [a, b] = op === 'date_range' ? v.split('~') : [v, v];
      if (op === 'gte' || op === 'date_range') min = Math.max(min, parseTimeUs(a) ?? -Infinity);
      if (op === 'lte' || op === 'date_range') max = Math.min(max, parseTimeUs(b) ?? Infinity);
    }
  }
  return { min, max };
}

/**
 * The records of `c` whose `field` lies in the query's window for it (by binary search when the list
 * is ordered by that field) and that match `filter`, which must not test `field` again.
 */
export function narrowed<T extends Rec>(
  ctx: RouteContext,
  c: Collection<T>,
  field: string,
  filter: (r: T) => boolean
): T[] {
  const b = timeBounds(ctx, field);
  const base = b ? c.within(field, b.min, b.max, parseTimeUs) : c.view();
  return filter === KEEP_ALL ? base.slice() : base.filter(filter);
}

export function timeFilter<T>(
  ctx: RouteContext,
  name: string,
  get: (r: T) => string | undefined
): ((r: T) => boolean) | undefined {
  const o = ops(ctx, name);
  if (!o) return undefined;
  let min = -Infinity;
  let max = Infinity;
  const parse = (op: string, v: string): number => {
    const t = parseTimeUs(v);
    if (t === undefined)
      throw invalid(`${name}[${op}]`, `${name}[${op}] must be a date or an RFC 3339 timestamp`);
    return t;
  };
  for (const [op, values] of Object.entries(o)) {
    for (const v of values) {
      if (op === 'gte') min = Math.max(min, parse(op, v));
      else if (op === 'lte') max = Math.min(max, parse(op, v));
      else if (op === 'date_range') {
        const parts = v.split('~');
        if (parts.length !== 2)
          throw invalid(`${name}[${op}]`, `${name}[date_range] must look like 2024-12-02~2024-12-08`);
        min = Math.max(min, parse(op, parts[0]));
        max = Math.min(max, parse(op, parts[1]));
      } else throw invalid(`${name}[${op}]`, `${name} accepts the operators gte, lte and date_range`);
    }
  }
  return (r) => {
    const v = get(r);
    const t = v === undefined ? undefined : parseTimeUs(v);
    return t !== undefined && t >= min && t <= max;
  };
}

/** All of the given filters (undefined ones are skipped). */
export function allOf<T>(...filters: Array<((r: T) => boolean) | undefined>): (r: T) => boolean {
  const fs = filters.filter((f): f is (r: T) => boolean => f !== undefined);
  if (fs.length === 0) return KEEP_ALL;
  return (r) => fs.every((f) => f(r));
}
