// Writes on the catalog: entry create (an upsert by catalog_type_id + external_id), update, bulk update
// (atomic, at most 250 entries, 204) and delete.
import { SimHttpError } from '../errors';
import type { CatalogEntryRec, CatalogTypeRec } from '../resources/types';
import { invalid, publicView } from './list';
import type { Endpoint, RouteContext } from './types';

const CATALOG_WRITERS = ['catalog_editor'];
/** incident.io's limit of entries per catalog type. */
const MAX_ENTRIES_PER_TYPE = 50_000;

interface Binding {
  value?: { literal?: string };
  array_value?: Array<{ literal?: string }>;
}

/** Payload bindings → stored CatalogEntryEngineParamBindingV3 values; unknown attributes are a 422. */
function storedValues(
  type: CatalogTypeRec,
  values: Record<string, Binding>,
  field: string
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, b] of Object.entries(values)) {
    const attr = type.schema.attributes.find((a) => a.id === id);
    if (!attr) throw invalid(`${field}.${id}`, `Catalog type ${type.name} has no attribute with id ${id}`);
    const bind = (v: { literal?: string }) => ({
      label: v.literal ?? '',
      ...(v.literal !== undefined && { literal: v.literal }),
    });
    if (attr.array) {
      if (b.value !== undefined)
        throw invalid(`${field}.${id}`, `${attr.name} is an array attribute: use array_value`);
      if (b.array_value && b.array_value.length > 0) out[id] = { array_value: b.array_value.map(bind) };
    } else {
      if (b.array_value !== undefined)
        throw invalid(`${field}.${id}`, `${attr.name} holds one value: use value`);
      if (b.value) out[id] = { value: bind(b.value) };
    }
  }
  return out;
}

function requireType(ctx: RouteContext, id: string, field: string): CatalogTypeRec {
  const type = ctx.db.catalog_types.get(id);
  if (!type) throw invalid(field, `No catalog type found with id ${id}`);
  return type;
}

interface EntryPayload {
  name?: string;
  external_id?: string;
  aliases?: string[];
  rank?: number;
  attribute_values: Record<string, Binding>;
}

export const catalogWriteEndpoints: Endpoint[] = [
  // Spec: POST /v3/catalog_entries (Catalog V3#CreateEntry) — 201; an existing entry with the same
  // catalog_type_id and external_id is updated instead.
  {
    route: 'POST /v3/catalog_entries',
    roles: CATALOG_WRITERS,
    handle(ctx) {
      const b = ctx.body as EntryPayload & { catalog_type_id: string; name: string };
      const type = requireType(ctx, b.catalog_type_id, 'catalog_type_id');
      const attribute_values = storedValues(type, b.attribute_values, 'attribute_values');
      const existing =
        b.external_id === undefined
          ? undefined
          : ctx.db.catalog_entries.find(
              (e) => e.catalog_type_id === type.id && e.external_id === b.external_id
            );
      if (existing) {
        const entry = ctx.db.catalog_entries.update(existing.id, {
          name: b.name,
          attribute_values,
          ...(b.aliases !== undefined && { aliases: b.aliases }),
          ...(b.rank !== undefined && { rank: b.rank }),
        });
        return { catalog_entry: publicView(entry) };
      }
      if (
        ctx.db.catalog_entries.filter((e) => e.catalog_type_id === type.id).length >= MAX_ENTRIES_PER_TYPE
      ) {
        throw invalid(
          'catalog_type_id',
          `Catalog type ${type.name} already has ${MAX_ENTRIES_PER_TYPE} entries`
        );
      }
      const now = ctx.db.clock.iso();
      const entry = ctx.db.catalog_entries.insert({
        id: ctx.db.newId('catalog_entries'),
        catalog_type_id: type.id,
        name: b.name,
        ...(b.external_id !== undefined && { external_id: b.external_id }),
        aliases: b.aliases ?? [],
        rank: b.rank ?? 0,
        attribute_values,
        created_at: now,
        updated_at: now,
      });
      ctx.created('catalog_entries');
      return { catalog_entry: publicView(entry) };
    },
  },
  // Spec: PUT /v3/catalog_entries/{id} (Catalog V3#UpdateEntry) — with update_attributes only those
  // attributes change (a listed one missing from the payload is cleared).
  {
    route: 'PUT /v3/catalog_entries/{id}',
    roles: CATALOG_WRITERS,
    handle(ctx) {
      const current = ctx.db.catalog_entries.require(ctx.params.id);
      const type = requireType(ctx, current.catalog_type_id, 'catalog_type_id');
      const b = ctx.body as EntryPayload & { name: string; update_attributes?: string[] };
      const values = storedValues(type, b.attribute_values, 'attribute_values');
      const entry = ctx.db.catalog_entries.update(current.id, {
        name: b.name,
        attribute_values: mergeValues(current, values, b.update_attributes),
        ...(b.aliases !== undefined && { aliases: b.aliases }),
        ...(b.external_id !== undefined && { external_id: b.external_id }),
        ...(b.rank !== undefined && { rank: b.rank }),
      });
      return { catalog_entry: publicView(entry), catalog_type: publicView(type) };
    },
  },
  // Spec: POST /v3/catalog_entries/actions/bulk_update (Catalog V3#BulkUpdateEntries) — 204, all or
  // nothing, 1..250 entries (the spec's maxItems), each an existing entry of the type; an omitted
  // name, aliases or external_id keeps its value, an omitted rank is reset.
  {
    route: 'POST /v3/catalog_entries/actions/bulk_update',
    roles: CATALOG_WRITERS,
    handle(ctx) {
      const b = ctx.body as {
        catalog_type_id: string;
        entries: Array<EntryPayload & { entry_id: string }>;
        update_attributes?: string[];
      };
      const type = requireType(ctx, b.catalog_type_id, 'catalog_type_id');
      // Validate everything before changing anything.
      const seen = new Set<string>();
      const planned = b.entries.map((e, k) => {
        const current = ctx.db.catalog_entries.get(e.entry_id);
        if (!current || current.catalog_type_id !== type.id) {
          throw invalid(
            `entries.${k}.entry_id`,
            `No entry of catalog type ${type.name} has id ${e.entry_id}`
          );
        }
        if (seen.has(e.entry_id))
          throw invalid(`entries.${k}.entry_id`, `Entry ${e.entry_id} is listed twice`);
        seen.add(e.entry_id);
        return {
          e,
          current,
          values: storedValues(type, e.attribute_values, `entries.${k}.attribute_values`),
        };
      });
      for (const { e, current, values } of planned) {
        ctx.db.catalog_entries.update(current.id, {
          ...(e.name !== undefined && { name: e.name }),
          ...(e.aliases !== undefined && { aliases: e.aliases }),
          ...(e.external_id !== undefined && { external_id: e.external_id }),
          rank: e.rank ?? 0,
          attribute_values: mergeValues(current, values, b.update_attributes),
        });
      }
      return undefined;
    },
  },
  // Spec: DELETE /v3/catalog_entries/{id} (Catalog V3#DestroyEntry) — 204.
  {
    route: 'DELETE /v3/catalog_entries/{id}',
    roles: CATALOG_WRITERS,
    handle(ctx) {
      const entry = ctx.db.catalog_entries.get(ctx.params.id);
      if (!entry) throw SimHttpError.notFound(`No catalog entry found with id ${ctx.params.id}`);
      ctx.db.catalog_entries.delete(entry.id);
      return undefined;
    },
  },
];

/** New attribute values: all of them, or with update_attributes only the listed ones. */
function mergeValues(
  current: CatalogEntryRec,
  values: Record<string, unknown>,
  only: string[] | undefined
): Record<string, unknown> {
  if (only === undefined) return values;
  const out = { ...current.attribute_values };
  for (const id of only) {
    if (values[id] === undefined) delete out[id];
    else out[id] = values[id];
  }
  return out;
}
