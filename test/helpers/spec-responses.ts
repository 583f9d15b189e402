// An independent reading of the official spec (not the simulator's own), so that a bug in the
// simulator's validation cannot hide a response that breaks the contract.
import fs from 'fs';
import path from 'path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const spec = JSON.parse(fs.readFileSync(path.join(__dirname, '../../spec/openapi.json'), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'spec.json', components: spec.components });
const validators = new Map<string, ValidateFunction>();

/** `status` is the operation's success status and `body` validates against its schema (or is absent). */
export function expectSpecValid(route: string, status: number, body: unknown): void {
  const [method, p] = route.split(' ');
  const responses = spec.paths[p][method.toLowerCase()].responses as Record<string, any>;
  const code = Object.keys(responses).find((c) => /^2\d\d$/.test(c))!;
  expect({ route, status }).toEqual({ route, status: Number(code) });
  const schema = responses[code].content?.['application/json']?.schema;
  if (!schema) {
    expect(body).toBeUndefined();
    return;
  }
  let v = validators.get(route);
  if (!v) {
    v = ajv.compile({ $ref: 'spec.json' + schema.$ref });
    validators.set(route, v);
  }
  if (!v(body)) throw new Error(`${route} response is not valid: ${ajv.errorsText(v.errors)}`);
}
