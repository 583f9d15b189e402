// The plugin's schemas are JSON Schema 2020-12; Airbyte reads draft-07 (with its own `airbyte_secret`
// mark) and Singer targets older drafts still. This rewrites the few 2020-12 keywords our schemas use.

type Json = unknown;

/**
 * A draft-07 copy of `schema`: `$defs` become `definitions` (and their `$ref`s follow), `dependentRequired`
 * becomes `dependencies`, `$schema`/`$id` go, and a secret field (`x-secret`) gets `airbyte_secret` too.
 */
export function toDraft07(schema: Record<string, unknown>): Record<string, unknown> {
  const walk = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(walk);
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === '$schema' || k === '$id') continue;
      if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#\/\$defs\//, '#/definitions/');
      else if (k === '$defs') out.definitions = walk(v);
      else if (k === 'dependentRequired') out.dependencies = walk(v);
      else out[k] = walk(v);
    }
    if (out['x-secret'] === true) out.airbyte_secret = true;
    return out;
  };
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(walk(schema) as Record<string, unknown>) };
}

/** One object schema from the credential's and a config's (properties side by side, both required lists). */
export function mergeObjectSchemas(
  title: string,
  ...schemas: Array<Record<string, unknown>>
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const dependentRequired: Record<string, unknown> = {};
  for (const s of schemas) {
    Object.assign(properties, s.properties ?? {});
    required.push(...((s.required as string[] | undefined) ?? []));
    Object.assign(dependentRequired, s.dependentRequired ?? {});
  }
  return {
    title,
    type: 'object',
    required,
    additionalProperties: false,
    properties,
    ...(Object.keys(dependentRequired).length ? { dependentRequired } : {}),
  };
}
