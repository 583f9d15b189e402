// Converts schemas from the vendored incident.io OpenAPI 3.0.3 spec (spec/openapi.json) into tolerant
// JSON Schema 2020-12 documents: record schemas for streams now, action input schemas later.
//
// Tolerance rules (incident.io treats new properties, new enum values and changed ID formats as
// backwards-compatible, so a schema must not reject them): objects stay open, enums become
// "Known values: ..." descriptions, and no length/range/pattern/count constraints are carried over.
import * as fs from 'fs';
import * as path from 'path';

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0 input types (only the parts this module reads).

export interface OpenApiRef {
  $ref: string;
}

export interface OpenApiSchema {
  type?: string | string[];
  format?: string;
  title?: string;
  description?: string;
  deprecated?: boolean;
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, OpenApiSchemaOrRef>;
  items?: OpenApiSchemaOrRef;
  additionalProperties?: boolean | OpenApiSchemaOrRef;
  allOf?: OpenApiSchemaOrRef[];
  anyOf?: OpenApiSchemaOrRef[];
  oneOf?: OpenApiSchemaOrRef[];
  not?: OpenApiSchemaOrRef;
}

export type OpenApiSchemaOrRef = OpenApiSchema | OpenApiRef;

export interface OpenApiMediaType {
  schema?: OpenApiSchemaOrRef;
}

export interface OpenApiResponse {
  description?: string;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiRequestBody {
  description?: string;
  required?: boolean;
  content?: Record<string, OpenApiMediaType>;
}

export interface OpenApiOperation {
  operationId?: string;
  summary?: string;
  description?: string;
  requestBody?: OpenApiRequestBody | OpenApiRef;
  responses?: Record<string, OpenApiResponse | OpenApiRef>;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

export type OpenApiPathItem = Partial<Record<HttpMethod, OpenApiOperation>>;

export interface OpenApiSpec {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, OpenApiPathItem>;
  components?: {
    schemas?: Record<string, OpenApiSchemaOrRef>;
    responses?: Record<string, OpenApiResponse | OpenApiRef>;
    requestBodies?: Record<string, OpenApiRequestBody | OpenApiRef>;
  };
}

// ---------------------------------------------------------------------------------------------
// JSON Schema 2020-12 output type (only the keywords this module emits).

export type JsonSchemaType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export interface JsonSchema {
  $schema?: string;
  $id?: string;
  $ref?: string;
  title?: string;
  description?: string;
  deprecated?: boolean;
  type?: JsonSchemaType | JsonSchemaType[];
  format?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  not?: JsonSchema;
  $defs?: Record<string, JsonSchema>;
}

/** The parts of a StreamDefinition the generator needs (kept structural so this module stays standalone). */
export interface StreamSchemaSource {
  name: string;
  path: string;
  /** A property of the response, or a dotted path into nested objects ("schedule_entries.final"); of several, the first gives the schema. */
  recordsField: string | string[];
  /** Properties the connector adds to each record (e.g. a parent id), merged into `properties`. */
  extraProperties?: Record<string, JsonSchema>;
  /** Properties the connector drops from each record (secrets), removed from the schema too. */
  omitFields?: string[];
  /** Required properties of a component ($defs name) that the API is known to leave out. */
  relaxRequired?: Record<string, string[]>;
}

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';
export const STREAM_SCHEMA_ID_BASE = 'https://schemas.incident-io-connector.local/streams/';
export const MAX_DESCRIPTION_LENGTH = 200;

const COMPONENT_SCHEMA_PREFIX = '#/components/schemas/';
const JSON_TYPES: ReadonlySet<string> = new Set([
  'string',
  'number',
  'integer',
  'boolean',
  'object',
  'array',
  'null',
]);
// Only date-time is kept: ajv-formats checks it and it is what cursors and typing rely on;
// int32/int64/double are size hints that would only reject values the API may legitimately widen.
const KEPT_FORMATS: ReadonlySet<string> = new Set(['date-time']);

// ---------------------------------------------------------------------------------------------
// Spec loading and navigation.

/** Reads the vendored spec; the relative path holds both from src/schemas (ts-jest) and dist/schemas. */
export function loadSpec(): OpenApiSpec {
  const file = path.join(__dirname, '../../spec/openapi.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as OpenApiSpec;
}

export function isRef(value: unknown): value is OpenApiRef {
  return typeof value === 'object' && value !== null && typeof (value as OpenApiRef).$ref === 'string';
}

/** Resolves a local JSON pointer such as "#/components/schemas/IncidentV2" inside the spec. */
export function resolvePointer(spec: OpenApiSpec, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, got ${JSON.stringify(ref)}`);
  let node: unknown = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, key)) {
      throw new Error(`Unresolvable $ref ${JSON.stringify(ref)} in the OpenAPI spec`);
    }
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Follows a chain of $refs until a non-ref object; guards against ref cycles that point at themselves. */
export function deref<T extends object>(spec: OpenApiSpec, value: T | OpenApiRef): T {
  const seen = new Set<string>();
  let node: T | OpenApiRef = value;
  while (isRef(node)) {
    if (seen.has(node.$ref)) throw new Error(`Circular $ref chain at ${node.$ref}`);
    seen.add(node.$ref);
    node = resolvePointer(spec, node.$ref) as T | OpenApiRef;
  }
  return node;
}

/** Finds a property through $refs and allOf members (the usual ways OpenAPI documents compose objects). */
function findProperty(
  spec: OpenApiSpec,
  schema: OpenApiSchemaOrRef,
  name: string
): OpenApiSchemaOrRef | undefined {
  const resolved = deref<OpenApiSchema>(spec, schema);
  const direct = resolved.properties?.[name];
  if (direct) return direct;
  for (const member of resolved.allOf ?? []) {
    const found = findProperty(spec, member, name);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Conversion.

/**
 * First sentence of the first paragraph, capped at MAX_DESCRIPTION_LENGTH (word boundary + ellipsis).
 * Hard-wrapped lines are joined first: the spec wraps prose mid-sentence, so "first line" alone would cut it.
 */
export function shortenDescription(description: string): string {
  const lines: string[] = [];
  for (const raw of description.trim().split(/\r?\n/)) {
    const line = raw.trim();
    // A blank line or a Markdown block (list, table, heading, quote, code) ends the opening paragraph.
    if (line === '' || (lines.length > 0 && /^(?:[*+>|#-]|\d+[.)]\s|```)/.test(line))) break;
    lines.push(line);
  }
  const paragraph = lines.join(' ');
  let sentence = paragraph;
  // A sentence ends at . ! or ? followed by whitespace; "e.g." and friends do not end one.
  const end = /[.!?](?=\s)/g;
  for (let m = end.exec(paragraph); m; m = end.exec(paragraph)) {
    const before = paragraph.slice(0, m.index + 1);
    if (/(?:^|[\s(])(?:e\.g|i\.e|etc|vs|approx|incl|cf)\.$/i.test(before)) continue;
    sentence = before;
    break;
  }
  if (sentence.length <= MAX_DESCRIPTION_LENGTH) return sentence;
  const cut = sentence.slice(0, MAX_DESCRIPTION_LENGTH - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > MAX_DESCRIPTION_LENGTH / 2 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}

function describe(description: string | undefined, knownValues: unknown[] | undefined): string | undefined {
  const short = description ? shortenDescription(description) : '';
  const values = (knownValues ?? []).filter((v) => v !== null).map((v) => String(v));
  if (values.length === 0) return short || undefined;
  const known = `Known values: ${values.join(', ')}`;
  if (!short) return known;
  return `${short}${/[.!?…]$/.test(short) ? '' : '.'} ${known}`;
}

function componentName(ref: string): string | undefined {
  return ref.startsWith(COMPONENT_SCHEMA_PREFIX)
    ? decodeURIComponent(ref.slice(COMPONENT_SCHEMA_PREFIX.length)).replace(/~1/g, '/').replace(/~0/g, '~')
    : undefined;
}

function defsRef(name: string): string {
  return `#/$defs/${encodeURIComponent(name.replace(/~/g, '~0').replace(/\//g, '~1'))}`;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function convertType(type: string | string[] | undefined, nullable: boolean): JsonSchemaType[] {
  const types = type === undefined ? [] : Array.isArray(type) ? type : [type];
  for (const t of types) {
    if (!JSON_TYPES.has(t)) throw new Error(`Unsupported OpenAPI type ${JSON.stringify(t)}`);
  }
  const result = types as JsonSchemaType[];
  return nullable && result.length > 0 && !result.includes('null') ? [...result, 'null'] : result;
}

/** Stateful walk for one output document: collects the reachable components into $defs. */
class Converter {
  // Insertion happens before a component is converted so recursive refs terminate.
  private readonly defs = new Map<string, JsonSchema>();

  constructor(private readonly spec: OpenApiSpec) {}

  definitions(): Record<string, JsonSchema> | undefined {
    if (this.defs.size === 0) return undefined;
    const out: Record<string, JsonSchema> = {};
    for (const name of [...this.defs.keys()].sort(byCodePoint)) out[name] = this.defs.get(name) as JsonSchema;
    return out;
  }

  component(name: string): OpenApiSchemaOrRef {
    const schema = this.spec.components?.schemas?.[name];
    if (!schema) throw new Error(`$ref to missing component schema ${JSON.stringify(name)}`);
    return schema;
  }

  ref(ref: string): JsonSchema {
    const name = componentName(ref);
    if (name === undefined) {
      throw new Error(`Unsupported $ref ${JSON.stringify(ref)}: only ${COMPONENT_SCHEMA_PREFIX}* is handled`);
    }
    if (!this.defs.has(name)) {
      this.defs.set(name, {});
      this.defs.set(name, this.convert(this.component(name)));
    }
    return { $ref: defsRef(name) };
  }

  convert(input: OpenApiSchemaOrRef): JsonSchema {
    // OpenAPI 3.0 ignores siblings of $ref, so a bare ref is the whole schema.
    if (isRef(input)) return this.ref(input.$ref);
    const nullable = input.nullable === true;
    const types = convertType(input.type, nullable);

    const out: JsonSchema = {};
    if (input.title !== undefined) out.title = input.title;
    const description = describe(input.description, input.enum);
    if (description !== undefined) out.description = description;
    if (input.deprecated === true) out.deprecated = true;
    if (types.length > 0) out.type = types.length === 1 ? types[0] : types;
    if (input.format !== undefined && KEPT_FORMATS.has(input.format)) out.format = input.format;
    if (input.required && input.required.length > 0) {
      out.required = [...new Set(input.required)].sort(byCodePoint);
    }
    if (input.properties) {
      const properties: Record<string, JsonSchema> = {};
      // Sorted so regenerated files do not churn when upstream reorders keys.
      for (const key of Object.keys(input.properties).sort(byCodePoint)) {
        properties[key] = this.convert(input.properties[key]);
      }
      out.properties = properties;
    }
    if (input.items !== undefined) out.items = this.convert(input.items);
    // `false` would close the object and `true` is the default, so only map-value schemas survive.
    if (typeof input.additionalProperties === 'object') {
      out.additionalProperties = this.convert(input.additionalProperties);
    }
    if (input.allOf) out.allOf = input.allOf.map((s) => this.convert(s));
    // oneOf becomes anyOf: with open objects a record can match several branches, which oneOf rejects.
    const alternatives = [...(input.anyOf ?? []), ...(input.oneOf ?? [])];
    if (alternatives.length > 0) out.anyOf = alternatives.map((s) => this.convert(s));
    if (input.not !== undefined) out.not = this.convert(input.not);

    // nullable without a type (e.g. on an allOf wrapper) cannot become a type union; allow null alongside.
    if (nullable && types.length === 0 && (out.allOf || out.anyOf || out.$ref)) {
      const { title, description: desc, ...rest } = out;
      const wrapped: JsonSchema = {};
      if (title !== undefined) wrapped.title = title;
      if (desc !== undefined) wrapped.description = desc;
      wrapped.anyOf = [rest, { type: 'null' }];
      return wrapped;
    }
    return out;
  }

  /** Converts a root schema: a bare component ref is inlined so the root carries type/properties itself. */
  root(input: OpenApiSchemaOrRef): JsonSchema {
    if (isRef(input)) {
      const name = componentName(input.$ref);
      if (name !== undefined) {
        const body = this.component(name);
        // A component that is just another ref is followed; anything else is inlined.
        return isRef(body) ? this.root(body) : this.convert(body);
      }
    }
    return this.convert(input);
  }
}

/** Rebuilds an object with keys in a fixed order so output does not depend on construction order. */
const KEY_ORDER: readonly (keyof JsonSchema)[] = [
  '$schema',
  '$id',
  '$ref',
  'title',
  'description',
  'deprecated',
  'type',
  'format',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'allOf',
  'anyOf',
  'not',
  '$defs',
];

function ordered(schema: JsonSchema): JsonSchema {
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    const value = schema[key];
    if (value !== undefined) out[key] = value;
  }
  return out as JsonSchema;
}

/**
 * Converts an OpenAPI 3.0 schema (or $ref) into a self-contained, tolerant JSON Schema 2020-12
 * document: every reachable `#/components/schemas/X` becomes `#/$defs/X`.
 */
export function toJsonSchema(spec: OpenApiSpec, openApiSchema: OpenApiSchemaOrRef): JsonSchema {
  const converter = new Converter(spec);
  const root = converter.root(openApiSchema);
  const defs = converter.definitions();
  return ordered({ ...root, ...(defs ? { $defs: defs } : {}) });
}

/**
 * The record schema of a list endpoint: the `items` of `recordsField` in the GET operation's
 * 200 application/json response, with the stream's $id/title/description on top.
 */
export function listRecordSchema(
  spec: OpenApiSpec,
  apiPath: string,
  recordsField: string,
  streamName: string
): JsonSchema {
  const where = `GET ${apiPath}`;
  const operation = spec.paths[apiPath]?.get;
  if (!operation) throw new Error(`${where} is not in the OpenAPI spec`);
  const okResponse = operation.responses?.['200'];
  if (!okResponse) throw new Error(`${where} has no 200 response in the OpenAPI spec`);
  const responseSchema = deref<OpenApiResponse>(spec, okResponse).content?.['application/json']?.schema;
  if (!responseSchema) throw new Error(`${where} has no application/json schema for its 200 response`);
  let field: OpenApiSchemaOrRef | undefined = responseSchema;
  for (const part of recordsField.split('.')) field = field && findProperty(spec, field, part);
  if (!field) throw new Error(`${where}: the 200 response has no property ${JSON.stringify(recordsField)}`);
  const fieldSchema = deref<OpenApiSchema>(spec, field);
  if (!fieldSchema.items) {
    throw new Error(`${where}: response property ${JSON.stringify(recordsField)} is not an array with items`);
  }

  const item = fieldSchema.items;
  const itemComponent = isRef(item) ? componentName(item.$ref) : undefined;
  const converted = toJsonSchema(spec, item);
  const summary = operation.summary ? ` (${operation.summary})` : '';
  const source = itemComponent ? `, OpenAPI component ${itemComponent}` : '';
  const header: JsonSchema = {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `${STREAM_SCHEMA_ID_BASE}${encodeURIComponent(streamName)}.json`,
    title: converted.title ?? itemComponent ?? `${streamName} record`,
    description:
      `${converted.description ? `${converted.description} ` : ''}` +
      `One record of the ${streamName} stream: an element of \`${recordsField}\` in the 200 response of ` +
      `${where}${summary}${source}. Generated from spec/openapi.json by scripts/gen-schemas.js; do not edit.`,
  };
  return ordered({ ...converted, ...header });
}

/** Canonical file text: 2-space JSON with a trailing newline (what schemas/streams/*.json must contain). */
export function serializeSchema(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** The file name and exact content expected at schemas/streams/<name>.json for one stream. */
export function renderStreamSchema(
  spec: OpenApiSpec,
  stream: StreamSchemaSource
): { fileName: string; content: string } {
  const field = Array.isArray(stream.recordsField) ? stream.recordsField[0] : stream.recordsField;
  const schema = listRecordSchema(spec, stream.path, field, stream.name);
  for (const [def, fields] of Object.entries(stream.relaxRequired ?? {})) {
    const target = schema.$defs?.[def];
    if (!target) throw new Error(`${stream.name}: relaxRequired names ${def}, which is not in the schema`);
    target.required = (target.required ?? []).filter((r) => !fields.includes(r));
    if (target.required.length === 0) delete target.required;
  }
  for (const f of stream.omitFields ?? []) {
    if (schema.properties) delete schema.properties[f];
    if (schema.required) schema.required = schema.required.filter((r) => r !== f);
  }
  if (stream.extraProperties) {
    const merged: Record<string, JsonSchema> = { ...(schema.properties ?? {}), ...stream.extraProperties };
    schema.properties = Object.fromEntries(
      Object.keys(merged)
        .sort()
        .map((k) => [k, merged[k]])
    );
  }
  return { fileName: `${stream.name}.json`, content: serializeSchema(ordered(schema)) };
}
