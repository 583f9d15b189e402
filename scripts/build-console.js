#!/usr/bin/env node
// Builds the web console's UI into dist/console (index.html, app.js, app.css): React and
// react-jsonschema-form bundled by esbuild, nothing fetched at run time. Part of `npm run build`.
//
// The console's Content-Security-Policy forbids eval, and ajv compiles schemas with `new Function`.
// So the validators of the forms are compiled here, ahead (ajv "standalone" code through
// @rjsf/validator-ajv8's compileSchemaValidatorsCode), for every schema the manifest names that a form
// draws: each credential type, the source config and the destination config. The UI looks them up by
// the schema's $id (or rjsf's hash of it), so the forms stay generated from the plugin's schemas.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { compileSchemaValidatorsCode } = require('@rjsf/validator-ajv8/compileSchemaValidators');
const Ajv2020 = require('ajv/dist/2020').default;
const Ajv = require('ajv').default;

const ROOT = path.resolve(__dirname, '..');
const UI = path.join(ROOT, 'src', 'host', 'console', 'ui');
const OUT = path.join(ROOT, 'dist', 'console');
const VALIDATORS = 'console-validators';

function formSchemas() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'connector.manifest.json'), 'utf8'));
  return [
    ...manifest.credentialTypes.map((c) => c.schema),
    manifest.source.configSchema,
    manifest.destination.configSchema,
  ];
}

/** One CommonJS module per schema, and an index that merges their validator maps. */
function validatorModules() {
  const modules = new Map();
  const files = formSchemas();
  files.forEach((rel, i) => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));
    const draft2020 = String(schema.$schema ?? '').includes('2020-12');
    modules.set(
      `${VALIDATORS}/${i}`,
      compileSchemaValidatorsCode(schema, {
        AjvClass: draft2020 ? Ajv2020 : Ajv,
        // verbose would copy the validated data (a key being typed) into error objects.
        ajvOptionsOverrides: { verbose: false },
      })
    );
  });
  modules.set(
    VALIDATORS,
    `module.exports = Object.assign({}, ${files.map((_, i) => `require(${JSON.stringify(`${VALIDATORS}/${i}`)})`).join(', ')});`
  );
  return modules;
}

function validatorsPlugin(modules) {
  return {
    name: VALIDATORS,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${VALIDATORS}(/\\d+)?$`) }, (args) => ({
        path: args.path,
        namespace: VALIDATORS,
      }));
      build.onLoad({ filter: /.*/, namespace: VALIDATORS }, (args) => ({
        contents: modules.get(args.path),
        loader: 'js',
        // The generated code requires ajv's runtime helpers and ajv-formats' formats from the package.
        resolveDir: ROOT,
      }));
    },
  };
}

async function main() {
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(UI, 'main.tsx') },
    bundle: true,
    outdir: OUT,
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: false,
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    jsx: 'automatic',
    logLevel: 'warning',
    plugins: [validatorsPlugin(validatorModules())],
  });
  fs.copyFileSync(path.join(UI, 'index.html'), path.join(OUT, 'index.html'));
  fs.copyFileSync(path.join(UI, 'styles.css'), path.join(OUT, 'app.css'));
}

main().catch((e) => {
  console.error(`build-console: ${e && e.message ? e.message : e}`);
  process.exit(1);
});
