// The validators the build compiles ahead (dist/validators, loaded by the CLI) must judge exactly as
// the ones compiled at run time (what these tests, run from src/, use everywhere else): the same
// verdict, the same errors and the same defaults filled in, for every schema file.
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020';
import { loadSchema, newConfigAjv, PACKAGE_ROOT, precompiledSchemas } from '../src/validation';

const DIST = path.join(PACKAGE_ROOT, 'dist', 'validators');
const SCHEMAS = precompiledSchemas();

function judge(validate: ValidateFunction, value: unknown) {
  const data: unknown = value === undefined ? value : structuredClone(value);
  const valid = validate(data);
  return { valid, errors: validate.errors ?? null, data };
}

/** Values shaped like the schema's document: its own properties with arbitrary values, and more. */
function documents(schema: Record<string, unknown>): fc.Arbitrary<unknown> {
  const props = Object.keys((schema.properties as Record<string, unknown>) ?? {});
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('', 'x', 'https://example.com', '2024-01-01T00:00:00Z', 'not a date', 0, 25, -1)
  );
  return fc.oneof(
    fc.record(Object.fromEntries(props.map((p) => [p, value])), { requiredKeys: [] }),
    fc.dictionary(fc.string(), value, { maxKeys: 4 }),
    fc.jsonValue({ maxDepth: 2 })
  );
}

describe('validators compiled ahead by the build', () => {
  test('there is one for every schema file', () => {
    for (const rel of SCHEMAS) expect(fs.existsSync(path.join(DIST, `${rel}.js`))).toBe(true);
  });

  test.each(SCHEMAS)('%s judges as one compiled at run time', (rel) => {
    const schema = loadSchema(rel);
    const ahead = require(path.join(DIST, `${rel}.js`)) as ValidateFunction;
    const now = newConfigAjv().compile(schema);
    fc.assert(
      fc.property(documents(schema), (doc) => {
        expect(judge(ahead, doc)).toEqual(judge(now, doc));
      }),
      { numRuns: 200 }
    );
  });

  test('the manifest validates with both, and an empty source config gets the same defaults', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'connector.manifest.json'), 'utf8'));
    const rel = 'schemas/manifest.schema.json';
    const ahead = require(path.join(DIST, `${rel}.js`)) as ValidateFunction;
    expect(judge(ahead, manifest).valid).toBe(true);
    const config = 'schemas/source-config.schema.json';
    const filled = judge(require(path.join(DIST, `${config}.js`)) as ValidateFunction, {});
    expect(filled.valid).toBe(true);
    expect(filled.data).toEqual(judge(newConfigAjv().compile(loadSchema(config)), {}).data);
    expect(Object.keys(filled.data as object).length).toBeGreaterThan(0);
  });
});
