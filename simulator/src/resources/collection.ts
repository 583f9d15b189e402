// The simulator's mutable data: one in-memory Collection per resource (follow-ups, alerts, catalog
// entries, ...), held by a SimDb (db.ts) and seeded deterministically from the seed (seed-*.ts).
// Incidents are the exception: they stay in the lazy IncidentStore (incidents.ts) so that a million of
// them cost no memory; SimDb links the two (requireIncident, incidentMode, ...).
//
// Records are stored in the API's response shape (what the list and show routes return), so a route
// mostly filters, pages and returns them. Order is stable: insertion order, which for seeded data is
// creation order (ids are ULID-like and sort by time). Cursors are record ids.
//
// ── Adding a write route (simulator/src/routes/writes-*.ts) ──────────────────────────────────────────
//   import type { Endpoint } from './types';
//   export const followUpWriteEndpoints: Endpoint[] = [
//     // Spec: POST /v2/follow_ups (Follow-ups V2#Create)
//     { route: 'POST /v2/follow_ups', roles: ['incident_editor', 'global_access'], handle(ctx) {
//         const b = ctx.body as { incident_id: string; title: string };   // already valid against the spec
//         ctx.db.requireIncident(b.incident_id, 'incident_id');          // 404 unknown/deleted (422 with a field)
//         const now = ctx.db.clock.iso();
//         const follow_up = ctx.db.follow_ups.insert({ id: ctx.db.newId('follow_ups'), incident_id: b.incident_id,
//           title: b.title, status: 'outstanding', labels: [], creator: ctx.db.actorFor(ctx.key),
//           created_at: now, updated_at: now });
//         ctx.created('follow_ups');                                       // counted in stats().created
//         return { follow_up };                                            // status = the spec's 2xx (204 → no body)
//     } },
//   ];
// then add `...followUpWriteEndpoints` to ENDPOINTS in routes/index.ts. The route string must be the
// spec's METHOD + path template exactly (the server refuses others at start-up); the body, path and
// query are validated against the operation before `handle` runs (422 otherwise); throw SimHttpError
// (errors.ts) for 404/409/422 answers. `update` bumps updated_at (when the record has one) and keeps
// the record's position; `delete` removes it; `find`/`filter` look records up (e.g. catalog upsert by
// external_id). Endpoints whose callers authenticate with an alert source's secret token instead of an
// API key set `auth: 'alert_source_token'` (see routes/types.ts).
import { SimHttpError } from '../errors';
import { SEED_END_US } from '../incidents';
import { formatTimeUs, parseTimeUs } from '../query';

/** Every stored record has a string id; the rest is the API's shape. */
export interface Rec {
  id: string;
  [field: string]: unknown;
}

/** "now" for the simulator: microseconds, strictly increasing, never before the end of the seeded data. */
export class SimClock {
  private lastUs = SEED_END_US;

  nowUs(): number {
    this.lastUs = Math.max(Date.now() * 1000, this.lastUs + 1);
    return this.lastUs;
  }

  /** RFC 3339 with microseconds, like the API's timestamps. */
  iso(): string {
    return formatTimeUs(this.nowUs());
  }
}

export interface PageOptions {
  pageSize: number;
  /** The id of the last record of the previous page. */
  after?: string;
  /** Newest first: the list is walked backwards (records were inserted oldest first). */
  newestFirst?: boolean;
}

export interface PageResult<T> {
  items: T[];
  /** Id to send as `after` for the next page; absent on the last page. */
  after?: string;
  /** How many records match in total (for total_record_count). */
  total: number;
}

/** The predicate that keeps every record: Collection.filter answers it without a pass. */
export const KEEP_ALL = (): boolean => true;

export class Collection<T extends Rec = Rec> {
  private readonly items = new Map<string, T>();
  /** Insertion sequence of every id ever stored (deleted ones too), so old cursors keep a position. */
  private readonly seq = new Map<string, number>();
  private nextSeq = 0;
  /** Ids of records moved by placeAt (each moves once, so two placed times never undo each other). */
  private readonly placed = new Set<string>();
  /** The records in order, rebuilt after a write: list endpoints read it on every request. */
  private ordered?: T[];
  /** Parsed timestamps per field for `within`, valid for `ordered`. */
  private readonly times = new Map<string, { values: number[]; sorted: boolean }>();

  constructor(
    /** Resource name, e.g. "follow_ups" (used in messages and by SimDb.touch). */
    readonly name: string,
    readonly clock: SimClock,
    /** What one record is called in a 404 message, e.g. "follow-up". */
    readonly singular: string = name.replace(/s$/, '').replace(/_/g, ' ')
  ) {}

  get size(): number {
    return this.items.size;
  }

  /** Every record in stable order (a copy of the list; the records themselves are shared). */
  all(): T[] {
    return [...this.view()];
  }

  /** Every record in stable order, without a copy: for reads that do not change the list. */
  view(): readonly T[] {
    if (!this.ordered) {
      this.ordered = [...this.items.values()];
      this.times.clear();
    }
    return this.ordered;
  }

  /**
   * The records whose timestamp `field` lies in [minUs, maxUs], in order, found by binary search when
   * the list is ordered by that field (as creation times are); a plain pass otherwise. Large lists
   * filtered by created_at windows (the connector's partitions) then cost O(log n + page).
   */
  within(
    field: string,
    minUs: number,
    maxUs: number,
    parse: (text: string) => number | undefined
  ): readonly T[] {
    const list = this.view();
    let t = this.times.get(field);
    if (!t) {
      const values = list.map((r) => parse(String(r[field] ?? '')) ?? NaN);
      const sorted = values.every((v, i) => !Number.isNaN(v) && (i === 0 || v >= values[i - 1]));
      t = { values, sorted };
      this.times.set(field, t);
    }
    const { values, sorted } = t;
    if (!sorted) return list.filter((_, i) => values[i] >= minUs && values[i] <= maxUs);
    const lowerBound = (x: number, strict: boolean) => {
      let lo = 0;
      let hi = values.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (strict ? values[mid] > x : values[mid] >= x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    return list.slice(lowerBound(minUs, false), lowerBound(maxUs, true));
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  has(id: string): boolean {
    return this.items.has(id);
  }

  /** The record, or a 404 `not_found` naming it (pass `what` to word it, e.g. "alert source"). */
  require(id: string, what: string = this.singular): T {
    const r = this.items.get(id);
    if (!r) throw SimHttpError.notFound(`No ${what} found with id ${id}`);
    return r;
  }

  find(pred: (r: T) => boolean): T | undefined {
    for (const r of this.items.values()) if (pred(r)) return r;
    return undefined;
  }

  filter(pred: (r: T) => boolean): T[] {
    // An unfiltered list (the common case) is a copy of the cached list, not a call per record.
    return pred === KEEP_ALL ? this.view().slice() : this.view().filter(pred);
  }

  /** Appends a record (ids must be new: mint them with SimDb.newId). Returns it. */
  insert(record: T): T {
    if (this.items.has(record.id)) throw new Error(`${this.name}: duplicate id ${record.id}`);
    this.items.set(record.id, record);
    this.seq.set(record.id, this.nextSeq++);
    this.ordered = undefined;
    return record;
  }

  /**
   * Replaces a record by a changed copy, keeping its place in the order. `change` is a partial record
   * merged over the current one, or a function of it. updated_at is set to now when the record has an
   * updated_at field, unless `bump: false`. 404 for an unknown id. Returns the new record.
   */
  update(id: string, change: Partial<T> | ((current: T) => T), opts: { bump?: boolean } = {}): T {
    const current = this.require(id);
    const next = typeof change === 'function' ? change(current) : ({ ...current, ...change } as T);
    if (next.id !== id) throw new Error(`${this.name}: update may not change the id of ${id}`);
    if (opts.bump !== false && 'updated_at' in current) {
      (next as Rec).updated_at = this.clock.iso();
    }
    this.items.set(id, next);
    this.ordered = undefined;
    return next;
  }

  /** Removes a record; returns it, or undefined when there was none. */
  delete(id: string): T | undefined {
    const r = this.items.get(id);
    this.items.delete(id);
    this.ordered = undefined;
    return r;
  }

  /**
   * Bumps updated_at to now on `count` records spread evenly over the collection (in order) and
   * returns their ids. Records without updated_at cannot be touched (an Error says so).
   */
  touch(count: number, pick: (r: T) => boolean = () => true): string[] {
    const candidates = this.filter(pick);
    if (candidates.length > 0 && !('updated_at' in candidates[0])) {
      throw new Error(`${this.name} records have no updated_at to touch`);
    }
    const n = Math.max(0, Math.min(Math.floor(count), candidates.length));
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const r = candidates[Math.floor(((k + 0.5) * candidates.length) / n)];
      this.update(r.id, {} as Partial<T>);
      ids.push(r.id);
    }
    return ids;
  }

  /**
   * Gives records `field` exactly at each of `timesUs` (records on a time partition's edge, for tests):
   * the record just before the time in the list's order moves up to it, or the one just after moves
   * down when that one was placed already, so a list ordered by `field` stays ordered. `prepare` may
   * change the moved record further (e.g. make it listed). Returns the ids of the placed records.
   */
  placeAt(field: string, timesUs: number[], prepare: (r: T) => T = (r) => r): string[] {
    const at = (r: T): number => parseTimeUs(String(r[field] ?? '')) ?? NaN;
    return timesUs.map((t) => {
      const list = this.view();
      if (!list.every((r, k) => k === 0 || at(r) >= at(list[k - 1])))
        throw new Error(`${this.name} are not in ${field} order: records cannot be placed`);
      let p = list.findIndex((r) => at(r) > t);
      if (p < 0) p = list.length;
      const k = [p - 1, p].find((x) => x >= 0 && x < list.length && !this.placed.has(list[x].id));
      if (k === undefined) throw new RangeError(`no ${this.singular} can be placed at ${formatTimeUs(t)}`);
      const iso = formatTimeUs(t);
      const id = list[k].id;
      this.update(
        id,
        (r) => {
          const next = prepare({ ...r, [field]: iso });
          const updated = parseTimeUs(String(next.updated_at ?? ''));
          return updated !== undefined && updated < t ? { ...next, updated_at: iso } : next;
        },
        { bump: false }
      );
      this.placed.add(id);
      return id;
    });
  }

  /**
   * One page of `list` (a subset of this collection in collection order, e.g. from `filter`). `after`
   * must be an id this collection has held (a foreign cursor is a 404, as in the API); the page starts
   * at the first listed record after that id's position, so a deleted or no-longer-matching cursor
   * record still pages on correctly.
   */
  page(list: readonly T[], opts: PageOptions): PageResult<T> {
    // `list` is in creation order (ascending seq), so the cursor's position is a binary search and a
    // page costs O(log n + page) even over the benchmarks' tens of thousands of records.
    let at: number | undefined;
    if (opts.after !== undefined) {
      at = this.seq.get(opts.after);
      if (at === undefined)
        throw SimHttpError.notFound(`No ${this.singular} found for the after cursor ${opts.after}`);
    }
    // First index whose seq is greater than `at` (list.length when none).
    const firstAfter = (s: number) => {
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.seq.get(list[mid].id)! > s) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    let items: T[];
    let more: boolean;
    if (opts.newestFirst) {
      // Records older than the cursor end just before its position.
      const end = at === undefined ? list.length : firstAfter(at - 1);
      const start = Math.max(0, end - opts.pageSize);
      items = list.slice(start, end).reverse();
      more = start > 0;
    } else {
      const start = at === undefined ? 0 : firstAfter(at);
      items = list.slice(start, start + opts.pageSize);
      more = start + items.length < list.length;
    }
    return {
      items,
      ...(more && items.length > 0 && { after: items[items.length - 1].id }),
      total: list.length,
    };
  }
}
