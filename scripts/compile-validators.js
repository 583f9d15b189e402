#!/usr/bin/env node
// Compiles the validators of schemas/*.json and schemas/actions/*.json ahead, as ajv "standalone" code
// in dist/validators/<schema path>.js, which validatorFor() loads instead of compiling at start-up.
// Part of `npm run build` (after tsc: it takes the ajv configuration from dist/validation.js).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const { newConfigAjv, loadSchema, precompiledSchemas, PRECOMPILED_DIR } = require(
  path.join(ROOT, 'dist', 'validation.js')
);
const standaloneCode = require('ajv/dist/standalone').default;

fs.rmSync(PRECOMPILED_DIR, { recursive: true, force: true });
const ajv = newConfigAjv({ source: true });
for (const rel of precompiledSchemas()) {
  const validate = ajv.compile(loadSchema(rel));
  const file = path.join(PRECOMPILED_DIR, `${rel}.js`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, standaloneCode(ajv, validate));
}
