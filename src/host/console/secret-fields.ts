// Fields a schema marks secret (`writeOnly: true` or `"x-secret": true`): their values are handed to
// the plugin, added to the redactor, and left out of everything the console keeps or shows.
import type { JsonSchema } from './api-types';

function isSecret(schema: unknown): boolean {
  const s = schema as { writeOnly?: unknown; 'x-secret'?: unknown } | undefined;
  return s?.writeOnly === true || s?.['x-secret'] === true;
}

function propertiesOf(schema: unknown): Record<string, unknown> {
  const p = (schema as { properties?: unknown } | undefined)?.properties;
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A copy of `value` without the properties its schema marks secret (nested objects too). */
export function withoutSecrets(schema: JsonSchema, value: Record<string, unknown>): Record<string, unknown> {
  const props = propertiesOf(schema);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecret(props[k])) continue;
    out[k] = isObject(v) && props[k] ? withoutSecrets(props[k] as JsonSchema, v) : v;
  }
  return out;
}

/** The string values of the secret properties of `value`. */
export function secretValues(schema: JsonSchema, value: unknown): string[] {
  if (!isObject(value)) return [];
  const props = propertiesOf(schema);
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (isSecret(props[k])) {
      if (typeof v === 'string') out.push(v);
    } else if (props[k]) out.push(...secretValues(props[k] as JsonSchema, v));
  }
  return out;
}
