#!/usr/bin/env node
// Writes schemas/streams/<name>.json for every stream from the vendored OpenAPI spec.
// Runs on the compiled output (dist/) so it needs no TypeScript loader: build first.
//
//   node scripts/gen-schemas.js           write the files (and remove ones of streams that no longer exist)
//   node scripts/gen-schemas.js --check   write nothing; exit 1 listing files that differ, are missing or stale
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'schemas', 'streams');

function loadCompiled(rel) {
  try {
    return require(path.join(ROOT, 'dist', rel));
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      console.error(
        `gen-schemas: dist/${rel} not found; run \`npm run build\` first (or \`npm run gen:schemas\`).`
      );
      process.exit(2);
    }
    throw err;
  }
}

function main(argv) {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`gen-schemas: unknown argument(s): ${unknown.join(' ')}\nusage: gen-schemas.js [--check]`);
    return 2;
  }
  const check = argv.includes('--check');
  const { STREAMS } = loadCompiled('source/streams');
  const { loadSpec, renderStreamSchema } = loadCompiled('schemas/openapi-to-json-schema');

  const spec = loadSpec();
  const expected = new Map();
  for (const stream of STREAMS) {
    const { fileName, content } = renderStreamSchema(spec, stream);
    expected.set(fileName, content);
  }
  // Files of streams that were removed or renamed would otherwise linger and mislead discover().
  const existing = fs.existsSync(OUT_DIR) ? fs.readdirSync(OUT_DIR).filter((f) => f.endsWith('.json')) : [];
  const stale = existing.filter((f) => !expected.has(f)).sort();

  const differing = [];
  for (const [fileName, content] of [...expected].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const file = path.join(OUT_DIR, fileName);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    const rel = path.relative(ROOT, file);
    if (current === content) {
      if (!check) console.log(`unchanged ${rel}`);
      continue;
    }
    differing.push(`${rel} (${current === undefined ? 'missing' : 'differs'})`);
    if (!check) {
      fs.mkdirSync(OUT_DIR, { recursive: true });
      fs.writeFileSync(file, content);
      console.log(`${current === undefined ? 'created' : 'updated'} ${rel}`);
    }
  }
  for (const fileName of stale) {
    const rel = path.relative(ROOT, path.join(OUT_DIR, fileName));
    differing.push(`${rel} (no such stream)`);
    if (!check) {
      fs.unlinkSync(path.join(OUT_DIR, fileName));
      console.log(`removed ${rel}`);
    }
  }

  if (check) {
    if (differing.length > 0) {
      console.error(
        `Stream schemas are out of date; run \`npm run gen:schemas\`:\n  ${differing.join('\n  ')}`
      );
      return 1;
    }
    console.log(`${expected.size} stream schema(s) up to date.`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
