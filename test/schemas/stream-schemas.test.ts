// Stream record schemas: checked-in files match the generator, compile under strict ajv, and are
// tolerant in the ways incident.io's compatibility policy requires (and no more).
import * as fs from 'fs';
import * as path from 'path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { STREAMS } from '../../src/source/streams';
import {
  JsonSchema,
  OpenApiResponse,
  deref,
  listRecordSchema,
  loadSpec,
  renderStreamSchema,
  serializeSchema,
  shortenDescription,
  toJsonSchema,
} from '../../src/schemas/openapi-to-json-schema';

const SCHEMA_DIR = path.join(__dirname, '..', '..', 'schemas', 'streams');
const spec = loadSpec();

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv, { mode: 'fast' });
  return ajv;
}

function checkedIn(name: string): string {
  return fs.readFileSync(path.join(SCHEMA_DIR, `${name}.json`), 'utf8');
}

function schemaOf(name: string): JsonSchema {
  return JSON.parse(checkedIn(name)) as JsonSchema;
}

/** Visits every subschema (not property names, so a field called "enum" is not a false alarm). */
function eachSubschema(schema: JsonSchema, visit: (s: JsonSchema, at: string) => void, at = '#'): void {
  visit(schema, at);
  const children: [string, JsonSchema][] = [];
  for (const [k, v] of Object.entries(schema.properties ?? {})) children.push([`properties/${k}`, v]);
  for (const [k, v] of Object.entries(schema.$defs ?? {})) children.push([`$defs/${k}`, v]);
  if (schema.items) children.push(['items', schema.items]);
  if (schema.additionalProperties) children.push(['additionalProperties', schema.additionalProperties]);
  if (schema.not) children.push(['not', schema.not]);
  (schema.allOf ?? []).forEach((s, i) => children.push([`allOf/${i}`, s]));
  (schema.anyOf ?? []).forEach((s, i) => children.push([`anyOf/${i}`, s]));
  for (const [k, v] of children) eachSubschema(v, visit, `${at}/${k}`);
}

/** The records in the spec's own 200 example for a stream's list endpoint (an official sample). */
function exampleRecords(streamPath: string, recordsField: string | string[]): Record<string, unknown>[] {
  const ok = spec.paths[streamPath]?.get?.responses?.['200'];
  if (!ok) return [];
  const media = deref<OpenApiResponse>(spec, ok).content?.['application/json'] as
    { example?: Record<string, unknown> } | undefined;
  const fields = Array.isArray(recordsField) ? recordsField : [recordsField];
  return fields.flatMap((field) => {
    // A dotted field reaches into nested objects of the example.
    const records = field
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], media?.example);
    return Array.isArray(records) ? (records as Record<string, unknown>[]) : [];
  });
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('stream record schemas', () => {
  it('declares at least one stream', () => {
    expect(STREAMS.length).toBeGreaterThan(0);
  });

  describe.each(STREAMS.map((s) => [s.name, s] as const))('%s', (name, stream) => {
    it('the checked-in file equals what the generator produces now', () => {
      const file = path.join('schemas', 'streams', `${name}.json`);
      const { content } = renderStreamSchema(spec, stream);
      const current = fs.existsSync(path.join(SCHEMA_DIR, `${name}.json`)) ? checkedIn(name) : undefined;
      if (current !== content) {
        throw new Error(
          `${file} is ${current === undefined ? 'missing' : 'out of date'}; run \`npm run gen:schemas\` and commit the result.`
        );
      }
    });

    it('has the stream $id and the 2020-12 dialect', () => {
      const schema = schemaOf(name);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(`https://schemas.incident-io-connector.local/streams/${name}.json`);
      expect(schema.type).toBe('object');
    });

    it('compiles with Ajv2020 strict + ajv-formats (fast)', () => {
      expect(() => newAjv().compile(schemaOf(name))).not.toThrow();
    });

    it('never closes objects or enums and carries no size/pattern constraints', () => {
      const forbidden = [
        'enum',
        'const',
        'pattern',
        'minLength',
        'maxLength',
        'minimum',
        'maximum',
        'exclusiveMinimum',
        'exclusiveMaximum',
        'multipleOf',
        'minItems',
        'maxItems',
        'uniqueItems',
        'minProperties',
        'maxProperties',
        'unevaluatedProperties',
        'nullable',
        'example',
        'examples',
      ];
      const problems: string[] = [];
      eachSubschema(schemaOf(name), (s, at) => {
        const raw = s as Record<string, unknown>;
        for (const k of forbidden) if (k in raw) problems.push(`${at}: ${k}`);
        for (const k of Object.keys(raw)) if (k.startsWith('x-')) problems.push(`${at}: ${k}`);
        if (raw.additionalProperties === false) problems.push(`${at}: additionalProperties false`);
        if (s.format !== undefined && s.format !== 'date-time') problems.push(`${at}: format ${s.format}`);
        if (s.description !== undefined && s.description.length === 0)
          problems.push(`${at}: empty description`);
      });
      expect(problems).toEqual([]);
      expect(checkedIn(name)).not.toMatch(/"additionalProperties":\s*false/);
    });

    it('only $refs into its own $defs, and every $def is used', () => {
      const schema = schemaOf(name);
      const defs = new Set(Object.keys(schema.$defs ?? {}));
      const used = new Set<string>();
      eachSubschema(schema, (s, at) => {
        if (s.$ref === undefined) return;
        expect(`${at} -> ${s.$ref}`).toMatch(/ -> #\/\$defs\/[^/]+$/);
        used.add(decodeURIComponent(s.$ref.slice('#/$defs/'.length)));
      });
      expect([...used].filter((d) => !defs.has(d))).toEqual([]);
      expect([...defs].filter((d) => !used.has(d))).toEqual([]);
    });

    it('accepts the records of the spec example response', () => {
      const validate = newAjv().compile(schemaOf(name));
      for (const record of exampleRecords(stream.path, stream.recordsField)) {
        expect({ ok: validate(record), errors: validate.errors ?? null }).toEqual({ ok: true, errors: null });
      }
    });
  });

  it('schemas/streams holds no file for a stream that is not declared', () => {
    const declared = new Set(STREAMS.map((s) => `${s.name}.json`));
    const files = fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json'));
    expect(files.filter((f) => !declared.has(f))).toEqual([]);
  });
});

describe('incidents record tolerance', () => {
  const validate = newAjv().compile(schemaOf('incidents'));
  const [sample] = exampleRecords('/v2/incidents', 'incidents');

  it('has an official sample to start from', () => {
    expect(sample).toBeDefined();
    expect(validate(sample)).toBe(true);
  });

  it('accepts unknown extra properties at the top level and nested', () => {
    const record = clone(sample) as Record<string, unknown> & { severity: Record<string, unknown> };
    record.brand_new_field = { nested: [1, 2, 3] };
    record.severity.colour = 'red';
    expect(validate(record)).toBe(true);
  });

  it('accepts unknown enum values and changed ID formats', () => {
    const record = clone(sample) as Record<string, unknown> & { incident_status: Record<string, unknown> };
    record.mode = 'drill';
    record.visibility = 'team_only';
    record.incident_status.category = 'some_future_category';
    record.id = 'inc_2f6c1e0e-7a9b-4c1d-9f00-000000000000';
    expect(validate(record)).toBe(true);
  });

  it('rejects a record missing a required property', () => {
    const record = clone(sample) as Record<string, unknown>;
    delete record.id;
    expect(validate(record)).toBe(false);
    expect(validate.errors?.some((e) => e.keyword === 'required')).toBe(true);
  });

  it('rejects a string in place of an object', () => {
    const record = clone(sample) as Record<string, unknown>;
    record.creator = 'Lisa Karlin Curtis';
    expect(validate(record)).toBe(false);
    expect(validate('not a record')).toBe(false);
  });

  it('checks date-time format on timestamps', () => {
    const record = clone(sample) as Record<string, unknown>;
    record.updated_at = 'yesterday';
    expect(validate(record)).toBe(false);
  });
});

describe('toJsonSchema', () => {
  type SpecWith = Parameters<typeof toJsonSchema>[0];
  const mini = (schemas: Record<string, unknown>): SpecWith =>
    ({
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      paths: {},
      components: { schemas },
    }) as SpecWith;

  it('turns nullable into a type union and a nullable allOf into anyOf with null', () => {
    const s = mini({ A: { type: 'object', properties: { x: { type: 'string' } } } });
    expect(toJsonSchema(s, { type: 'string', nullable: true, format: 'date-time' })).toEqual({
      type: ['string', 'null'],
      format: 'date-time',
    });
    expect(toJsonSchema(s, { allOf: [{ $ref: '#/components/schemas/A' }], nullable: true })).toEqual({
      anyOf: [{ allOf: [{ $ref: '#/$defs/A' }] }, { type: 'null' }],
      $defs: { A: { type: 'object', properties: { x: { type: 'string' } } } },
    });
  });

  it('moves recursive components into $defs and keeps only reachable ones', () => {
    const s = mini({
      Node: {
        type: 'object',
        required: ['id'],
        properties: {
          id: { type: 'string' },
          children: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
        },
      },
      Unused: { type: 'string' },
    });
    const out = toJsonSchema(s, { $ref: '#/components/schemas/Node' });
    expect(Object.keys(out.$defs ?? {})).toEqual(['Node']);
    expect(out.properties?.children.items).toEqual({ $ref: '#/$defs/Node' });
    const validate = newAjv().compile(out);
    expect(validate({ id: 'a', children: [{ id: 'b', children: [{ id: 'c' }] }] })).toBe(true);
    expect(validate({ id: 'a', children: [{ children: [] }] })).toBe(false);
  });

  it('drops closed enums, constraints, other formats, examples and extensions; keeps map value schemas', () => {
    const out = toJsonSchema(mini({}), {
      type: 'object',
      additionalProperties: false,
      'x-go-name': 'Thing',
      example: { a: 1 },
      properties: {
        kind: { type: 'string', enum: ['a', 'b'], description: 'The kind.\nMore detail.', maxLength: 3 },
        n: { type: 'integer', format: 'int64', minimum: 0, maximum: 9 },
        tags: { type: 'array', items: { type: 'string', pattern: '^x' }, minItems: 1 },
        labels: { type: 'object', additionalProperties: { type: 'string', example: 'v' } },
      },
    } as Parameters<typeof toJsonSchema>[1]);
    expect(out).toEqual({
      type: 'object',
      properties: {
        kind: { description: 'The kind. Known values: a, b', type: 'string' },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        n: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' } },
      },
    });
  });

  it('shortens descriptions to the first sentence of the first paragraph, at most 200 characters', () => {
    expect(
      shortenDescription('A call session is one call,\nfor example a Zoom meeting. More.\n\nDetails')
    ).toBe('A call session is one call, for example a Zoom meeting.');
    expect(shortenDescription('Use e.g. this one. Not this.')).toBe('Use e.g. this one.');
    expect(shortenDescription('The type. Available types are:\n* a: first')).toBe('The type.');
    const long = shortenDescription(`${'word '.repeat(80)}end.`);
    expect(long.length).toBeLessThanOrEqual(200);
    expect(long.endsWith('…')).toBe(true);
  });

  it('is deterministic', () => {
    const a = serializeSchema(listRecordSchema(spec, '/v2/incidents', 'incidents', 'incidents'));
    const b = serializeSchema(listRecordSchema(loadSpec(), '/v2/incidents', 'incidents', 'incidents'));
    expect(a).toBe(b);
    expect(a.endsWith('}\n')).toBe(true);
  });

  it('explains what is wrong with a bad stream declaration', () => {
    expect(() => listRecordSchema(spec, '/v2/nope', 'x', 'nope')).toThrow(
      'GET /v2/nope is not in the OpenAPI spec'
    );
    expect(() => listRecordSchema(spec, '/v2/incidents', 'incidentz', 'x')).toThrow(
      /no property "incidentz"/
    );
    expect(() => listRecordSchema(spec, '/v2/incidents', 'pagination_meta', 'x')).toThrow(/not an array/);
  });
});
