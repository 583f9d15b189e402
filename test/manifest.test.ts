// The manifest, the schema files and the code must agree: every stream and action the manifest
// declares exists in code with its schema file, and the reverse.
import fs from 'node:fs';
import path from 'node:path';
import plugin, { ACTIONS, STREAMS } from '../src';
import { loadSchema, PACKAGE_ROOT, validatorFor } from '../src/validation';
import { writeRolesOf } from '../src/roles';

const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'connector.manifest.json'), 'utf8'));

function filesIn(dir: string): string[] {
  return fs
    .readdirSync(path.join(PACKAGE_ROOT, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${dir}/${f}`)
    .sort();
}

describe('connector.manifest.json', () => {
  it('validates against schemas/manifest.schema.json', () => {
    const validate = validatorFor('schemas/manifest.schema.json');
    expect(validate(manifest)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('is the manifest the plugin exports, with the package version', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    expect(plugin.manifest).toEqual(manifest);
    expect(manifest.id).toBe('incident_io_api');
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.entry).toBe(pkg.main);
  });

  it('declares exactly the streams in code, each with its schema file, key, cursor and modes', () => {
    const declared = manifest.source.streams.map((s: { name: string }) => s.name).sort();
    expect(declared).toEqual(STREAMS.map((s) => s.name).sort());
    for (const entry of manifest.source.streams) {
      const def = STREAMS.find((s) => s.name === entry.name)!;
      expect(entry.schema).toBe(`schemas/streams/${def.name}.json`);
      expect(fs.existsSync(path.join(PACKAGE_ROOT, entry.schema))).toBe(true);
      expect(entry.primaryKey).toEqual(def.primaryKey);
      expect(entry.cursorField).toEqual(def.cursorField ? [def.cursorField] : undefined);
      expect(entry.syncModes).toEqual(def.syncModes);
      // The primary key and the cursor are properties of the record schema.
      const schema = loadSchema(entry.schema) as { properties: Record<string, unknown> };
      for (const [field] of def.primaryKey) expect(schema.properties[field]).toBeDefined();
      if (def.cursorField) expect(schema.properties[def.cursorField]).toBeDefined();
    }
    expect(filesIn('schemas/streams')).toEqual(
      manifest.source.streams.map((s: { schema: string }) => s.schema).sort()
    );
  });

  it('declares exactly the actions in code, each with its input schema file', () => {
    const declared = manifest.destination.actions.map((a: { name: string }) => a.name).sort();
    expect(declared).toEqual(ACTIONS.map((a) => a.name).sort());
    for (const entry of manifest.destination.actions) {
      const def = ACTIONS.find((a) => a.name === entry.name)!;
      expect(entry.input).toBe(def.input);
      expect(entry.idempotency).toBe(def.idempotency);
      // What a runtime shows when the action is picked: its description and the roles it needs.
      expect(entry.description).toBe(def.description);
      expect(entry.roles).toEqual(writeRolesOf(def));
      expect(() => validatorFor(entry.input)).not.toThrow();
    }
    expect(filesIn('schemas/actions')).toEqual(
      manifest.destination.actions.map((a: { input: string }) => a.input).sort()
    );
    // The destination config offers exactly these actions.
    const config = loadSchema(manifest.destination.configSchema) as {
      properties: { action: { enum: string[] } };
    };
    expect([...config.properties.action.enum].sort()).toEqual(declared);
  });

  it('marks the API key as a secret and write-only', () => {
    const schema = loadSchema(manifest.credentialTypes[0].schema) as {
      properties: Record<string, { writeOnly?: boolean; 'x-secret'?: boolean }>;
      required: string[];
    };
    expect(schema.required).toContain('api_key');
    expect(schema.properties.api_key.writeOnly).toBe(true);
    expect(schema.properties.api_key['x-secret']).toBe(true);
    expect(schema.properties.base_url.writeOnly).toBeUndefined();
  });

  it('has a logo file for the connector tile', () => {
    expect(manifest.logo).toMatch(/\.(svg|png)$/);
    expect(fs.statSync(path.join(PACKAGE_ROOT, manifest.logo)).size).toBeGreaterThan(0);
  });

  it('ships every file the manifest names in the npm package', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    for (const needed of ['dist', 'schemas', 'spec', 'assets', 'connector.manifest.json'])
      expect(pkg.files).toContain(needed);
    expect(pkg.bin['incident-io-connector']).toBe('dist/host/cli.js');
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
  });
});

describe('README', () => {
  const readme = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8');
  it('lists every stream with its endpoint in the coverage table', () => {
    for (const s of STREAMS) {
      const endpoint = s.path.replace(/[/{}]/g, (c) => `\\${c}`);
      expect(readme).toMatch(new RegExp(`\\|\\s*${s.name}\\s*\\|\\s*\`GET ${endpoint}\``));
    }
  });
});
