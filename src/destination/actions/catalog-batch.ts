// Batch mode of upsert_catalog_entries (destination config `catalog.batch`, on by default), the way
// catalog-importer syncs a catalog: list each catalog type's entries once, then per record
//   - unchanged (same name, given aliases/rank, same attribute values): nothing sent;
//   - new external_id: POST /v3/catalog_entries (an upsert by external_id, safe to repeat);
//   - changed: queued and sent with POST /v3/catalog_entries/actions/bulk_update, up to 250 entries
//     per call (all or none: a refused call fails each of its records with the same request_id);
// and, only with `catalog.prune`, delete the entries of the written types whose external_id was not in
// the input — only when every record of the run was written, and only logged with `prune_dry_run`.
// Results stay one per record, in input order: a changed record's result waits for its bulk call.
import type { WriteResult } from '../../contract';
import { paginate } from '../../http/paginate';
import { canonicalJson } from '../../util/hash';
import { errorResult } from '../results';
import type { BindingPayload, CatalogEntryPayload } from './catalog-payload';
import type { ActionContext, BatchRunner, PreparedRecord, PreparedRequest } from './types';

/** incident.io's limit per bulk_update call (spec `POST /v3/catalog_entries/actions/bulk_update`, maxItems 250). */
export const BULK_UPDATE_MAX = 250;
/** Results held back behind a pending bulk call before it is sent early (bounds memory). */
const MAX_HELD = 50_000;

interface ExistingValue {
  value?: { literal?: string; label?: string };
  array_value?: Array<{ literal?: string; label?: string }>;
}

interface ExistingEntry {
  id: string;
  catalog_type_id: string;
  external_id?: string;
  name: string;
  aliases?: string[];
  rank?: number;
  attribute_values?: Record<string, ExistingValue>;
}

interface TypeState {
  byExternalId: Map<string, ExistingEntry>;
  all: ExistingEntry[];
}

interface Pending {
  index: number;
  entry: CatalogEntryPayload;
  current: ExistingEntry;
  resolve(r: WriteResult): void;
  reject(e: unknown): void;
}

/** A result to come (wrapped: an async function returning a bare promise would wait for it). */
interface Later {
  promise: Promise<WriteResult>;
}
const now = (r: WriteResult): Later => ({ promise: Promise.resolve(r) });

/** Attribute values as comparable literals: {id: "x"} or {id: ["a","b"]}; empty values dropped. */
function normalise(
  values: Record<string, ExistingValue | BindingPayload> | undefined
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, v] of Object.entries(values ?? {})) {
    if (v.array_value && v.array_value.length > 0) out[id] = v.array_value.map((x) => x.literal ?? null);
    else if (v.value && v.value.literal !== undefined) out[id] = v.value.literal;
  }
  return out;
}

export function isUnchanged(current: ExistingEntry, wanted: CatalogEntryPayload): boolean {
  if (current.name !== wanted.name) return false;
  if (wanted.aliases !== undefined && canonicalJson(current.aliases ?? []) !== canonicalJson(wanted.aliases))
    return false;
  if (wanted.rank !== undefined && current.rank !== wanted.rank) return false;
  return (
    canonicalJson(normalise(current.attribute_values)) === canonicalJson(normalise(wanted.attribute_values))
  );
}

/** The entry as the API will hold it after an update (for later duplicates in the same run). */
function asExisting(id: string, entry: CatalogEntryPayload, current?: ExistingEntry): ExistingEntry {
  return {
    id,
    catalog_type_id: entry.catalog_type_id,
    external_id: entry.external_id,
    name: entry.name,
    aliases: entry.aliases ?? current?.aliases ?? [],
    rank: entry.rank ?? current?.rank,
    attribute_values: entry.attribute_values,
  };
}

export function catalogBatch(ctx: ActionContext): BatchRunner | undefined {
  if (ctx.config.catalog?.batch === false) return undefined;
  return (records) => runBatch(records, ctx);
}

/** Writes in flight: the config's number, else as many as the key should have in flight now. */
const concurrencyOf = (ctx: ActionContext): number =>
  ctx.config.concurrency ?? ctx.client.limiter.inFlightTarget();

async function* runBatch(
  records: AsyncIterable<PreparedRecord>,
  ctx: ActionContext
): AsyncGenerator<WriteResult> {
  const types = new Map<string, Promise<TypeState>>();
  const pending = new Map<string, Pending[]>();
  const written = new Map<string, Set<string>>();
  const queue: Array<{ promise: Promise<WriteResult>; settled?: WriteResult }> = [];
  const inFlight = new Set<Promise<unknown>>();
  let notOk = 0;

  // Spec: GET /v3/catalog_entries (Catalog V3#ListEntries) — https://docs.incident.io/api-reference/catalog-v3/list-entries
  // Every page of the type, once per run; a failed listing is kept (not retried per record).
  const typeState = (typeId: string): Promise<TypeState> => {
    let p = types.get(typeId);
    if (!p) {
      p = (async () => {
        const state: TypeState = { byExternalId: new Map(), all: [] };
        for await (const page of paginate<ExistingEntry>(ctx.client, {
          path: '/v3/catalog_entries',
          recordsField: 'catalog_entries',
          pageSize: 250,
          query: { catalog_type_id: typeId },
          signal: ctx.signal,
        })) {
          for (const e of page.records) {
            state.all.push(e);
            if (e.external_id) state.byExternalId.set(e.external_id, e);
          }
        }
        return state;
      })();
      p.catch(() => undefined);
      types.set(typeId, p);
    }
    return p;
  };

  const push = (promise: Promise<WriteResult>) => {
    const item: { promise: Promise<WriteResult>; settled?: WriteResult } = { promise };
    promise.then(
      (r) => (item.settled = r),
      () => undefined
    );
    queue.push(item);
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };

  const create = (index: number, prepared: PreparedRequest, entry: CatalogEntryPayload, state: TypeState) =>
    track(
      (async (): Promise<WriteResult> => {
        if (ctx.dryRun) {
          return {
            type: 'result',
            index,
            status: 'ok',
            id: '',
            outcome: 'created',
            dryRun: true,
            request: { method: 'POST', path: '/v3/catalog_entries', body: entry },
          };
        }
        try {
          const { data } = await ctx.client.request({ ...prepared.request, signal: ctx.signal });
          const outcome = prepared.interpret(data);
          state.byExternalId.set(entry.external_id, asExisting(outcome.id, entry));
          return { type: 'result', index, status: 'ok', ...outcome };
        } catch (e) {
          return errorResult(index, e);
        }
      })()
    );

  // Spec: POST /v3/catalog_entries/actions/bulk_update (Catalog V3#BulkUpdateEntries) —
  // https://docs.incident.io/api-reference/catalog-v3/bulk-update-entries — 204, atomic, ≤ 250 entries.
  const flush = (typeId: string) => {
    const batch = pending.get(typeId) ?? [];
    pending.delete(typeId);
    if (batch.length === 0) return;
    const item = (p: Pending) =>
      compact({
        entry_id: p.current.id,
        name: p.entry.name,
        external_id: p.entry.external_id,
        aliases: p.entry.aliases,
        // An omitted rank would be reset: keep the current one unless the record sets it.
        rank: p.entry.rank ?? p.current.rank,
        attribute_values: p.entry.attribute_values,
      });
    if (ctx.dryRun) {
      for (const p of batch) {
        p.resolve({
          type: 'result',
          index: p.index,
          status: 'ok',
          id: p.current.id,
          outcome: 'updated',
          dryRun: true,
          request: {
            method: 'POST',
            path: '/v3/catalog_entries/actions/bulk_update',
            body: { catalog_type_id: typeId, entries: [item(p)] },
          },
        });
      }
      return;
    }
    void track(
      (async () => {
        try {
          await ctx.client.request({
            method: 'POST',
            path: '/v3/catalog_entries/actions/bulk_update',
            body: { catalog_type_id: typeId, entries: batch.map(item) },
            // Setting entries to given values: a repeat sets the same values.
            idempotent: true,
            signal: ctx.signal,
          });
          const state = await typeState(typeId);
          for (const p of batch) {
            state.byExternalId.set(p.entry.external_id, asExisting(p.current.id, p.entry, p.current));
            p.resolve({ type: 'result', index: p.index, status: 'ok', id: p.current.id, outcome: 'updated' });
          }
        } catch (e) {
          // A cancellation rejects (and so ends the run); an API refusal fails every record of the call.
          for (const p of batch) {
            try {
              p.resolve(errorResult(p.index, e));
            } catch (cancelled) {
              p.reject(cancelled);
            }
          }
        }
      })()
    );
  };

  const flushAll = () => {
    for (const typeId of [...pending.keys()]) flush(typeId);
  };

  const classify = async (pr: PreparedRecord): Promise<Later> => {
    if ('result' in pr) return now(pr.result);
    const { index, prepared } = pr;
    if ('done' in prepared) return now({ type: 'result', index, status: 'ok', ...prepared.done });
    const entry = prepared.request.body as CatalogEntryPayload;
    let state: TypeState;
    try {
      state = await typeState(entry.catalog_type_id);
    } catch (e) {
      return now(errorResult(index, e));
    }
    let names = written.get(entry.catalog_type_id);
    if (!names) written.set(entry.catalog_type_id, (names = new Set()));
    // The same external_id twice in one batch: the later record is compared with (and sent after)
    // the earlier one, never in the same bulk call.
    if (names.has(entry.external_id)) {
      flushAll();
      await Promise.all(
        queue.filter((q) => q.settled === undefined).map((q) => q.promise.catch(() => undefined))
      );
    }
    names.add(entry.external_id);
    const current = state.byExternalId.get(entry.external_id);
    if (!current) return { promise: create(index, prepared, entry, state) };
    if (isUnchanged(current, entry)) {
      const dry = ctx.dryRun ? ({ dryRun: true } as const) : {};
      return now({ type: 'result', index, status: 'ok', id: current.id, outcome: 'unchanged', ...dry });
    }
    let resolve!: (r: WriteResult) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<WriteResult>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const list = pending.get(entry.catalog_type_id) ?? [];
    pending.set(entry.catalog_type_id, list);
    list.push({ index, entry, current, resolve, reject });
    if (list.length >= BULK_UPDATE_MAX) flush(entry.catalog_type_id);
    return { promise };
  };

  const count = (r: WriteResult) => {
    if (r.status !== 'ok') notOk++;
    return r;
  };

  for await (const pr of records) {
    push((await classify(pr)).promise);
    // Yield every result that is ready, in order.
    while (queue.length > 0 && queue[0].settled !== undefined) yield count(queue.shift()!.settled!);
    if (queue.length >= MAX_HELD) flushAll();
    // Keep creates within the configured concurrency.
    while (inFlight.size >= concurrencyOf(ctx)) await Promise.race(inFlight);
  }
  flushAll();
  while (queue.length > 0) yield count(await queue.shift()!.promise);

  if (ctx.config.catalog?.prune) await prune(ctx, types, written, notOk);
}

async function prune(
  ctx: ActionContext,
  types: Map<string, Promise<TypeState>>,
  written: Map<string, Set<string>>,
  notOk: number
): Promise<void> {
  if (notOk > 0) {
    ctx.logger.warn(
      `catalog prune skipped: ${notOk} record(s) were not written, so entries missing from the input may only be missing by mistake; fix them and re-run`
    );
    return;
  }
  const reportOnly = ctx.dryRun || ctx.config.catalog?.prune_dry_run === true;
  for (const [typeId, keep] of written) {
    const state = await types.get(typeId)!;
    const stale = state.all.filter((e) => e.external_id && !keep.has(e.external_id));
    if (reportOnly) {
      ctx.logger.info(
        `catalog prune (dry run): would delete ${stale.length} entries of catalog type ${typeId}`,
        {
          entries: stale.map((e) => ({ id: e.id, external_id: e.external_id, name: e.name })),
        }
      );
      continue;
    }
    let deleted = 0;
    const failures: string[] = [];
    // Spec: DELETE /v3/catalog_entries/{id} (Catalog V3#DestroyEntry) — https://docs.incident.io/api-reference/catalog-v3/destroy-entry
    const work = [...stale];
    await Promise.all(
      Array.from({ length: Math.min(concurrencyOf(ctx), work.length) }, async () => {
        for (let e = work.shift(); e; e = work.shift()) {
          try {
            await ctx.client.request({
              method: 'DELETE',
              path: `/v3/catalog_entries/${encodeURIComponent(e.id)}`,
              route: 'DELETE /v3/catalog_entries/{id}',
              signal: ctx.signal,
            });
            deleted++;
          } catch (err) {
            failures.push(`${e.external_id}: ${(err as Error).message}`);
          }
        }
      })
    );
    ctx.logger.info(
      `catalog prune: deleted ${deleted} of ${stale.length} entries of catalog type ${typeId} not in the input`
    );
    if (failures.length > 0)
      ctx.logger.warn(`catalog prune: ${failures.length} deletions failed`, { failures });
  }
}

function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
