// custom_fields: named — every custom field entry also as a column a person can read: keyed by the
// snake_case of the field's name, valued by option label, catalog entry name, number or text; arrays
// for multi-selects. The original entries stay, so nothing is lost.

interface CustomFieldValue {
  value_option?: { value?: string };
  value_catalog_entry?: { name?: string };
  value_text?: string;
  value_link?: string;
  value_numeric?: string;
  value_timestamp?: string;
  value_user?: { name?: string; email?: string };
  [key: string]: unknown;
}

interface CustomFieldEntry {
  custom_field?: { id?: string; name?: string; field_type?: string };
  values?: CustomFieldValue[];
}

// Every incident repeats the same few field names: derive each key once (bounded, names are few).
const keyCache = new Map<string, string>();

/** A stable column key: "Affected service (primary)" → "affected_service_primary". */
export function snakeKey(name: string): string {
  let key = keyCache.get(name);
  if (key === undefined) {
    key = deriveKey(name);
    if (keyCache.size < 10_000) keyCache.set(name, key);
  }
  return key;
}

function deriveKey(name: string): string {
  const key = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return key === '' ? 'field' : /^[0-9]/.test(key) ? `f_${key}` : key;
}

function readable(v: CustomFieldValue): unknown {
  if (v.value_option?.value !== undefined) return v.value_option.value;
  if (v.value_catalog_entry?.name !== undefined) return v.value_catalog_entry.name;
  if (v.value_user) return v.value_user.name ?? v.value_user.email ?? null;
  if (v.value_numeric !== undefined) {
    const n = Number(v.value_numeric);
    return Number.isFinite(n) ? n : v.value_numeric;
  }
  return v.value_text ?? v.value_link ?? v.value_timestamp ?? null;
}

/** Adds `custom_fields` to a record that has `custom_field_entries`; other records pass unchanged. */
export function withNamedCustomFields(record: Record<string, unknown>): Record<string, unknown> {
  const entries = record.custom_field_entries;
  if (!Array.isArray(entries)) return record;
  const named: Record<string, unknown> = {};
  // Sorted by field id so that two fields whose names collide get the same suffix on every run.
  const sorted = [...(entries as CustomFieldEntry[])].sort((a, b) =>
    String(a.custom_field?.id ?? '').localeCompare(String(b.custom_field?.id ?? ''))
  );
  for (const entry of sorted) {
    const base = snakeKey(entry.custom_field?.name ?? entry.custom_field?.id ?? 'field');
    let key = base;
    for (let i = 2; key in named; i++) key = `${base}_${i}`;
    const values = (entry.values ?? []).map(readable);
    named[key] = entry.custom_field?.field_type === 'multi_select' ? values : (values[0] ?? null);
  }
  return { ...record, custom_fields: named };
}
