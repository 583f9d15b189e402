// The Airbyte protocol's own schema (test/fixtures/airbyte, copied from airbytehq/airbyte-protocol),
// parsed with `yaml` and compiled with ajv's draft-07: every Airbyte message a test sees is checked
// against definitions/AirbyteMessage, and that the payload its type names is there.
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

const FILE = path.join(__dirname, '../../fixtures/airbyte/airbyte_protocol.yaml');

let compiled: { message: ValidateFunction; configuredCatalog: ValidateFunction } | undefined;

function validators() {
  if (compiled) return compiled;
  const schema = parse(fs.readFileSync(FILE, 'utf8')) as Record<string, unknown>;
  // Not strict: the file carries Java code-generation keywords (existingJavaType) ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(schema, 'airbyte');
  compiled = {
    message: ajv.getSchema('airbyte#/definitions/AirbyteMessage')!,
    configuredCatalog: ajv.getSchema('airbyte#/definitions/ConfiguredAirbyteCatalog')!,
  };
  return compiled;
}

const PAYLOAD: Record<string, string> = {
  RECORD: 'record',
  STATE: 'state',
  LOG: 'log',
  SPEC: 'spec',
  CONNECTION_STATUS: 'connectionStatus',
  CATALOG: 'catalog',
  TRACE: 'trace',
  CONTROL: 'control',
};

/** The problems of one message: schema errors, or a payload missing for its type. */
export function airbyteProblems(message: unknown): string[] {
  const { message: validate } = validators();
  const problems = validate(message)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  const type = (message as { type?: string })?.type ?? '';
  const field = PAYLOAD[type];
  if (field && !(field in (message as object))) problems.push(`a ${type} message without "${field}"`);
  return problems;
}

/** Expects every message to be a valid AirbyteMessage; returns them. */
export function expectAirbyteMessages(
  messages: Array<Record<string, unknown>>
): Array<Record<string, unknown>> {
  expect(messages.length).toBeGreaterThan(0);
  const bad = messages
    .map((m, i) => ({ i, type: m.type, problems: airbyteProblems(m) }))
    .filter((b) => b.problems.length > 0);
  expect(bad).toEqual([]);
  return messages;
}

export function configuredCatalogProblems(catalog: unknown): string[] {
  const { configuredCatalog } = validators();
  return configuredCatalog(catalog)
    ? []
    : (configuredCatalog.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
