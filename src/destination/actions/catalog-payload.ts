// The catalog entry payload, shared by per-record upserts (upsert-catalog-entries.ts) and batch mode
// (catalog-batch.ts), which compares it with what the catalog already holds.

export interface BindingPayload {
  value?: { literal: string };
  array_value?: Array<{ literal: string }>;
}

/** CatalogCreateEntryPayloadV3: what prepare() sends in per-record mode, and what batch mode compares. */
export interface CatalogEntryPayload {
  catalog_type_id: string;
  external_id: string;
  name: string;
  aliases?: string[];
  rank?: number;
  attribute_values: Record<string, BindingPayload>;
}
