// The output formats of the CLI: its own JSON lines (native, the default), Airbyte protocol messages
// and Singer messages. Formats are a presentation layer: the plugin's SourceMessages and WriteResults
// are translated here, the plugin itself knows none of them.
import fs from 'node:fs';
import { ConfigError } from '../../errors';

export const FORMATS = ['native', 'airbyte', 'singer'] as const;

/** A JSON object (not null, not a list): what every message, catalog and state of these formats is. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
export type OutputFormat = (typeof FORMATS)[number];

/** The "streams" list of a catalog file (`kind` names the catalog for the error). */
export function catalogStreams(catalog: unknown, file: string, kind: string): unknown[] {
  const streams = isObject(catalog) ? catalog.streams : undefined;
  if (!Array.isArray(streams)) {
    throw new ConfigError('the catalog', [
      { field: file, reason: `is not a ${kind} (no "streams" list in it)` },
    ]);
  }
  return streams;
}

/** A usage error when `command` has no `format` (only `supported` ones). */
export function requireFormat(
  format: OutputFormat,
  command: string,
  supported: readonly OutputFormat[]
): void {
  if (supported.includes(format)) return;
  throw new ConfigError(`the ${command} command`, [
    {
      field: '--format',
      reason: `${command} has no ${format} format (it has: ${supported.join(', ')})`,
    },
  ]);
}

/**
 * An Airbyte or Singer config: one JSON object holding the credential's fields (api_key, base_url)
 * beside the source's or destination's config, as those ecosystems pass one file. Split by the
 * credential schema's properties.
 */
export function splitConfig(
  merged: Record<string, unknown>,
  credentialSchema: Record<string, unknown>
): { credential: Record<string, unknown>; config: Record<string, unknown> } {
  const credentialFields = new Set(Object.keys((credentialSchema.properties ?? {}) as object));
  const credential: Record<string, unknown> = {};
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(merged)) (credentialFields.has(k) ? credential : config)[k] = v;
  return { credential, config };
}

/**
 * The JSON values of a file given to --state or --catalog: one JSON document (a list gives its
 * items), or JSON lines (as a read printed them, e.g. `read … > state.jsonl`).
 */
export function readJsonValues(file: string, what: string): unknown[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(what, [
      { field: file, reason: `cannot be read (${(e as NodeJS.ErrnoException).code})` },
    ]);
  }
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : [value];
  } catch {
    // Not one document: JSON lines, then.
  }
  const values: unknown[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (e) {
      throw new ConfigError(what, [
        {
          field: file,
          reason: `is neither one JSON document nor JSON lines (line ${i + 1}: ${(e as Error).message})`,
        },
      ]);
    }
  }
  return values;
}
