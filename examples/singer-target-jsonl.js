#!/usr/bin/env node
// A tiny Singer target (singer-io/getting-started SPEC.md), the kind Meltano runs after a tap: Singer
// messages on stdin, one JSON-lines file of records per stream, and each STATE's value echoed on stdout
// once the records before it are on disk, so the last line printed is the state to resume from.
//
//   incident-io-connector --format singer read --stream incidents \
//     | node examples/singer-target-jsonl.js --output-dir out > state.jsonl
//   incident-io-connector --format singer read --stream incidents --state state.jsonl | ...
//
// Like real targets it refuses a RECORD of a stream whose SCHEMA it has not seen, and a line that is
// not a Singer message. Plain Node, no dependencies: it stands for a consumer outside this project.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

function fail(message) {
  process.stderr.write(`singer-target-jsonl: ${message}\n`);
  process.exit(1);
}

const at = process.argv.indexOf('--output-dir');
const dir = at > 0 ? process.argv[at + 1] : undefined;
if (!dir) fail('usage: singer-target-jsonl.js --output-dir DIR');
fs.mkdirSync(dir, { recursive: true });

const files = new Map(); // stream -> file descriptor (opened on its SCHEMA, appended to)
const counts = new Map();
let lineNo = 0;

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on('line', (line) => {
  lineNo++;
  if (line.trim() === '') return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    fail(`line ${lineNo} is not JSON`);
  }
  switch (message.type) {
    case 'SCHEMA':
      if (
        typeof message.stream !== 'string' ||
        typeof message.schema !== 'object' ||
        !Array.isArray(message.key_properties)
      )
        fail(`line ${lineNo}: a SCHEMA needs stream, schema and key_properties`);
      if (!files.has(message.stream)) {
        files.set(message.stream, fs.openSync(path.join(dir, `${message.stream}.jsonl`), 'a'));
        counts.set(message.stream, 0);
      }
      break;
    case 'RECORD': {
      const fd = files.get(message.stream);
      if (fd === undefined) fail(`line ${lineNo}: a RECORD of "${message.stream}" before its SCHEMA`);
      if (typeof message.record !== 'object' || message.record === null)
        fail(`line ${lineNo}: a RECORD needs a record`);
      fs.writeSync(fd, `${JSON.stringify(message.record)}\n`);
      counts.set(message.stream, counts.get(message.stream) + 1);
      break;
    }
    case 'STATE':
      if (typeof message.value !== 'object' || message.value === null)
        fail(`line ${lineNo}: a STATE needs a value`);
      // The records before this state are durable before the state is passed on.
      for (const fd of files.values()) fs.fsyncSync(fd);
      process.stdout.write(`${JSON.stringify(message.value)}\n`);
      break;
    default:
      fail(`line ${lineNo}: "${message.type}" is not a Singer message type`);
  }
});
input.on('close', () => {
  for (const fd of files.values()) fs.closeSync(fd);
  const summary = [...counts].map(([stream, n]) => `${stream}: ${n}`).join(', ');
  process.stderr.write(`singer-target-jsonl: wrote ${summary || 'nothing'} to ${dir}\n`);
});
