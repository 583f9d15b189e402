#!/usr/bin/env node
// Writes everything derived from the stream and action registries, so nothing is kept in sync by
// hand: the stream schemas (gen-schemas.js), the manifest's stream and action lists, the destination
// config's action enum and the README's stream and action tables. Runs on the compiled output.
//
//   npm run gen                 build, then write the files
//   npm run gen -- --check      write nothing; exit 1 naming what is out of date (part of `npm test`)
'use strict';

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const prettier = require('prettier');

const ROOT = path.resolve(__dirname, '..');
const MANIFEST = 'connector.manifest.json';
const DESTINATION_CONFIG = 'schemas/destination-config.schema.json';
const README = 'README.md';

function loadCompiled(rel) {
  try {
    return require(path.join(ROOT, 'dist', rel));
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      console.error(`gen: dist/${rel} not found; run \`npm run build\` first (or \`npm run gen\`).`);
      process.exit(2);
    }
    throw err;
  }
}

const { STREAMS, findStream } = loadCompiled('source/streams');
const { ACTIONS } = loadCompiled('destination/actions');
const { ANY_READER, readRolesOf, writeRolesOf } = loadCompiled('roles');

function manifestStream(s) {
  return {
    name: s.name,
    schema: `schemas/streams/${s.name}.json`,
    primaryKey: s.primaryKey,
    ...(s.cursorField ? { cursorField: [s.cursorField] } : {}),
    syncModes: s.syncModes,
  };
}

function manifestAction(a) {
  return {
    name: a.name,
    description: a.description,
    input: a.input,
    roles: [...writeRolesOf(a)],
    idempotency: a.idempotency,
  };
}

/** "catalog_types" → "catalog type": what one parent record is called in the endpoint column. */
const singular = (name) => name.replace(/s$/, '').replace(/_/g, ' ');

function incrementalNote(s) {
  if (s.parent?.ownCursor) return 'every parent, client-side filter';
  if (s.parent) return 'children of parents changed since the cursor';
  if (s.cursorFilter && s.timePartition?.wholeDays) return `server filter ${s.cursorFilter}, by day, trimmed`;
  if (s.cursorFilter && s.lookbackSetting) return `server filter ${s.cursorFilter}, re-read window`;
  return 'client-side filter';
}

function streamRow(s) {
  const per = s.partitionBy
    ? ` per ${s.partitionBy.param}`
    : s.parent
      ? ` per ${singular(s.parent.stream)}`
      : '';
  const modes = s.syncModes.includes('incremental')
    ? `${s.syncModes.join(', ')} (${incrementalNote(s)})`
    : s.syncModes.join(', ');
  const parentCursor = s.parent ? findStream(s.parent.stream).cursorField : undefined;
  const incremental = s.syncModes.includes('incremental');
  const cursor = !incremental ? '—' : (s.cursorField ?? `parent ${parentCursor}`);
  // Any reader role reads what `viewer` reads: the column names viewer and the roles beyond those.
  const roles = ['viewer', ...readRolesOf(s).filter((r) => !ANY_READER.includes(r))].join(' or ');
  return `| ${s.name} | \`GET ${s.path}\`${per} | ${modes} | ${cursor} | ${roles} |`;
}

function actionRow(a) {
  const endpoint = `\`${a.endpoint.method} ${a.endpoint.path}\`${a.readme.endpointNote ?? ''}`;
  const roles = a.readme.roles ?? writeRolesOf(a).join(', ');
  return `| \`${a.name}\` | ${endpoint} | ${a.readme.idempotency} | ${roles} |`;
}

const TABLES = {
  streams: [
    '| stream | endpoint | sync modes | cursor | role needed |',
    '| --- | --- | --- | --- | --- |',
    ...STREAMS.map(streamRow),
  ],
  actions: [
    '| action | endpoint | idempotency | key needs one of |',
    '| --- | --- | --- | --- |',
    ...ACTIONS.map(actionRow),
  ],
};

/** Replaces the text between `<!-- gen:NAME -->` and `<!-- /gen:NAME -->` with the table. */
function withTables(readme) {
  let out = readme;
  for (const [name, lines] of Object.entries(TABLES)) {
    const open = `<!-- gen:${name} -->`;
    const close = `<!-- /gen:${name} -->`;
    const from = out.indexOf(open);
    const to = out.indexOf(close);
    if (from < 0 || to < from) throw new Error(`${README} has no ${open} … ${close} markers`);
    out = `${out.slice(0, from + open.length)}\n\n${lines.join('\n')}\n\n${out.slice(to)}`;
  }
  return out;
}

function readJson(rel) {
  return JSON.parse(fs.readFileSync(path.join(ROOT, rel), 'utf8'));
}

/** Prettier keeps an object on several lines when its input did: the manifest is written expanded. */
async function format(rel, text) {
  const options = (await prettier.resolveConfig(path.join(ROOT, rel))) ?? {};
  return prettier.format(text, { ...options, filepath: path.join(ROOT, rel) });
}

async function expectedFiles() {
  const manifest = readJson(MANIFEST);
  manifest.source.streams = STREAMS.map(manifestStream);
  manifest.destination.actions = ACTIONS.map(manifestAction);
  const config = readJson(DESTINATION_CONFIG);
  config.properties.action.enum = ACTIONS.map((a) => a.name);
  const readme = fs.readFileSync(path.join(ROOT, README), 'utf8');
  return {
    [MANIFEST]: await format(MANIFEST, JSON.stringify(manifest, null, 2)),
    [DESTINATION_CONFIG]: await format(DESTINATION_CONFIG, JSON.stringify(config)),
    [README]: await format(README, withTables(readme)),
  };
}

async function main(argv) {
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    console.error(`gen: unknown argument(s): ${unknown.join(' ')}\nusage: gen.js [--check]`);
    return 2;
  }
  const check = argv.includes('--check');
  let status = 0;
  try {
    execFileSync(process.execPath, [path.join(__dirname, 'gen-schemas.js'), ...argv], { stdio: 'inherit' });
  } catch (err) {
    status = err.status ?? 1;
  }
  const differing = [];
  for (const [rel, content] of Object.entries(await expectedFiles())) {
    const current = fs.readFileSync(path.join(ROOT, rel), 'utf8');
    if (current === content) continue;
    differing.push(rel);
    if (!check) {
      fs.writeFileSync(path.join(ROOT, rel), content);
      console.log(`updated ${rel}`);
    }
  }
  if (check && differing.length > 0) {
    console.error(
      `Generated from the registries but out of date; run \`npm run gen\`:\n  ${differing.join('\n  ')}`
    );
    return 1;
  }
  if (check && status === 0) console.log('manifest, destination config and README tables up to date.');
  return status;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  }
);
