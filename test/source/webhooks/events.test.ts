// Every webhook event the spec lists, from the spec's own example body: it maps to a record of its
// stream that the stream's schema accepts, or to one GET of an endpoint the spec has, or it is one of
// the events that change no record. The simulator only sends incident and follow-up events, so this is
// where alerts, escalations, actions, schedules and post-mortems are held to the evidence.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_ROUTES, IGNORED_EVENTS, routeEvent } from '../../../src/source/webhooks/events';
import { loadSchema } from '../../../src/validation';

type Json = Record<string, any>;
const spec = loadSchema('spec/openapi.json') as Json;
const events: Array<[string, Json]> = Object.entries(spec['x-webhooks'] as Json)
  .filter(([key]) => key.startsWith('/x-webhooks/'))
  .map(([key, op]) => [
    key.slice('/x-webhooks/'.length),
    op.get.responses['200'].content['application/json'].example,
  ]);

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv, { mode: 'fast' });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
const validatorOf = (stream: string) => {
  let v = validators.get(stream);
  if (!v) validators.set(stream, (v = ajv.compile(loadSchema(`schemas/streams/${stream}.json`))));
  return v;
};

/** The spec's GET operation whose path template matches a concrete path, e.g. /v2/alerts/{id}. */
function specGet(path: string): Json | undefined {
  for (const [template, item] of Object.entries(spec.paths as Json)) {
    const pattern = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (pattern.test(path) && item.get) return item.get;
  }
  return undefined;
}

const resolveRef = (schema: Json): Json =>
  schema.$ref ? (spec.components.schemas[schema.$ref.split('/').pop()] as Json) : schema;

test('the spec lists the 33 webhook events, each known to the source', () => {
  expect(events).toHaveLength(33);
  for (const [type] of events) {
    expect([type, type in EVENT_ROUTES || IGNORED_EVENTS.has(type)]).toEqual([type, true]);
  }
});

test.each(events)(
  '%s: the spec example becomes a record of its stream, one GET, or nothing by design',
  (type, body) => {
    const outcome = routeEvent(body);
    if (IGNORED_EVENTS.has(type)) {
      expect(outcome.kind).toBe('ignored');
      return;
    }
    const route = EVENT_ROUTES[type];
    if (outcome.kind === 'record') {
      expect(outcome.stream).toBe(route.stream);
      const validate = validatorOf(route.stream);
      expect([type, validate(outcome.record) ? [] : validate.errors]).toEqual([type, []]);
      return;
    }
    expect(outcome.kind).toBe('fetch');
    if (outcome.kind !== 'fetch') return;
    expect(outcome.stream).toBe(route.stream);
    const path = outcome.route.showPath!(outcome.id);
    const op = specGet(path);
    expect([path, op !== undefined]).toEqual([path, true]);
    const answer = resolveRef(op!.responses['200'].content['application/json'].schema);
    expect(Object.keys(answer.properties)).toContain(outcome.route.showField);
  }
);
