import { BadRecordError, FieldProblem } from '../../errors';
import { CATALOG_TYPES, pick } from '../names';
import { compact } from './common';
import { catalogBatch } from './catalog-batch';
import type { BindingPayload, CatalogEntryPayload } from './catalog-payload';
import { defineAction } from './types';

type Scalar = string | number | boolean;

interface CatalogEntryInput {
  catalog_type: string;
  external_id: string;
  name: string;
  aliases?: string[];
  rank?: number;
  attributes?: Record<string, Scalar | Scalar[] | null>;
}

const escapeKey = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

// Spec: POST /v3/catalog_entries (Catalog V3#CreateEntry) — https://docs.incident.io/api-reference/catalog-v3/create-entry
// "If you call this API with a payload where the external_id and catalog_type_id match an existing
// entry, the existing entry will be updated": an upsert, safe to repeat. Batch mode (catalog-batch.ts)
// adds GET /v3/catalog_entries, POST /v3/catalog_entries/actions/bulk_update and DELETE (prune).
export const upsertCatalogEntries = defineAction<CatalogEntryInput>({
  name: 'upsert_catalog_entries',
  description:
    'Creates or updates one catalog entry per record, keyed by external_id; batch mode skips unchanged entries and bulk-updates changed ones.',
  docs: 'https://docs.incident.io/api-reference/catalog-v3/create-entry',
  input: 'schemas/actions/upsert_catalog_entries.json',
  idempotency:
    'external_id: an entry is created once per (catalog type, external_id) and updated in place afterwards; batch mode writes only new and changed entries',
  endpoint: { method: 'POST', path: '/v3/catalog_entries' },
  readme: {
    endpointNote:
      '; batch: `GET /v3/catalog_entries`, `POST /v3/catalog_entries/actions/bulk_update`, `DELETE /v3/catalog_entries/{id}`',
    idempotency: '`external_id` (an upsert); batch mode writes only new and changed entries',
  },
  idempotent: true,
  async prepare(input, _basis, ctx) {
    const type = await ctx.names.resolveItem(CATALOG_TYPES, input.catalog_type, '/catalog_type');
    const attribute_values: Record<string, BindingPayload> = {};
    const problems: FieldProblem[] = [];
    for (const [key, value] of Object.entries(input.attributes ?? {})) {
      const field = `/attributes/${escapeKey(key)}`;
      try {
        const attr = pick(type.schema?.attributes ?? [], key, `attribute of ${type.name}`, field, (a) => [
          a.name,
        ]);
        if (value === null || (Array.isArray(value) && value.length === 0)) continue;
        if (attr.array) {
          const items = Array.isArray(value) ? value : [value];
          attribute_values[attr.id] = { array_value: items.map((v) => ({ literal: String(v) })) };
        } else if (Array.isArray(value)) {
          throw new BadRecordError([{ field, reason: `${attr.name} holds one value, not a list` }]);
        } else {
          attribute_values[attr.id] = { value: { literal: String(value) } };
        }
      } catch (e) {
        if (e instanceof BadRecordError) problems.push(...e.problems);
        else throw e;
      }
    }
    if (problems.length > 0) throw new BadRecordError(problems);
    const body: CatalogEntryPayload = compact({
      catalog_type_id: type.id,
      external_id: input.external_id,
      name: input.name,
      aliases: input.aliases,
      rank: input.rank,
      attribute_values,
    });
    return {
      request: { method: 'POST', path: '/v3/catalog_entries', body, idempotent: true },
      interpret(data) {
        const entry = (data as { catalog_entry: { id: string; created_at?: string } }).catalog_entry;
        const created = Date.parse(entry.created_at ?? '');
        return {
          id: entry.id,
          outcome: Number.isFinite(created) && created < ctx.runStartedAt ? 'updated' : 'created',
        };
      },
    };
  },
  batch: catalogBatch,
});
