// Bad input, property-based (issue 7): arbitrary JSON as the credential, the source config, the
// destination config and every action's input (ACTIONS) never escapes as an uncaught exception: it is
// a ConnectorError (a ConfigError naming each bad field) or, for a record, a result (`rejected`
// naming the field, or `failed`), one per record. A canary key is embedded everywhere in the
// generated input (values, unknown field names, the credential itself) and must appear in no message,
// no serialised error and no log line. Over the CLI the same input gives exit code 2 or 1, a message
// and no stack trace. Oversized input records and responses get a clear error.
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import plugin, {
  ACTIONS,
  ConfigError,
  LimiterRegistry,
  type Logger,
  type SourceMessage,
  type WriteResult,
} from '../src';
import { startSimulator, type Simulator } from '../simulator/src';
import { loadSchema } from '../src/validation';
import { FAST_HTTP_ENV, makeTempDir, removeTempDir, runCli } from './helpers/cli';

const KEY = `inc_canary_${'b4d1'.repeat(12)}`;
const HTTP = { maxRetries: 1, backoffBaseMs: 5, backoffMaxMs: 20, timeoutMs: 2_000 };
const SEED = 20_260_107;
/** fast-check parameters: seeded, so a failure names its counterexample and replays. */
const params = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

// ---- arbitraries: JSON with the key in it ----

/** Strings that carry the key: alone, padded, inside text, as a URL part. */
const keyish = fc.oneof(
  fc.constant(KEY),
  fc.constant(` ${KEY}\n`),
  fc.string({ maxLength: 8 }).map((s) => `${s}${KEY}${s}`),
  fc.constant(`https://${KEY}.example.com/`),
  fc.constant(`http://user:${KEY}@127.0.0.1:1`)
);

const scalar = fc.oneof(
  keyish,
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null)
);

const json: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), keyish), tie('value'), { maxKeys: 4 })
  ),
})).value;

/**
 * Objects shaped like what a schema expects: its own property names (and unknown ones, the key among
 * them) with arbitrary values, the known names sometimes with plausible scalars.
 */
function shaped(schemaFile: string): fc.Arbitrary<unknown> {
  const props = Object.keys((loadSchema(schemaFile).properties ?? {}) as Record<string, unknown>);
  const name = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...props) },
    keyish,
    fc.string({ maxLength: 6 })
  );
  const obj = fc.dictionary(name, fc.oneof(scalar, json), { maxKeys: props.length + 2 });
  return fc.oneof({ weight: 4, arbitrary: obj }, json);
}

// ---- checks ----

function views(value: unknown): string {
  const e = value as Error;
  return [
    String(value),
    e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : '',
    JSON.stringify(value) ?? '',
    util.inspect(value, { depth: 20, showHidden: true }),
  ].join('\n');
}

function expectNoKey(value: unknown): void {
  const text = typeof value === 'string' ? value : views(value);
  if (!text.includes(KEY)) return;
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const at = Math.max(0, shown.indexOf(KEY) - 300);
  throw new Error(`the key leaked: …${shown.slice(at, at + 500)}`);
}

/** A ConfigError naming every bad field (a JSON pointer), with each one in its message. */
function expectConfigError(e: unknown): void {
  if (!(e instanceof ConfigError)) throw e;
  expect(e.failureType).toBe('config');
  expect(e.problems.length).toBeGreaterThan(0);
  for (const p of e.problems) {
    expect(p.field).toMatch(/^\//);
    expect(p.reason).not.toBe('');
    expect(e.message).toContain(p.field);
  }
  expectNoKey(e);
}

function capture(): { logs: string[]; logger: Logger } {
  const logs: string[] = [];
  const log = (message: string, fields?: Record<string, unknown>) =>
    logs.push(`${message} ${fields ? JSON.stringify(fields) : ''}`);
  return { logs, logger: { debug: log, info: log, warn: log, error: log } };
}

let sim: Simulator;
let tmp: string;
const credential = () => ({ api_key: KEY, base_url: sim.url });

beforeAll(async () => {
  sim = await startSimulator({
    incidents: 60,
    seed: 41,
    size: 'small',
    bucket: false,
    keys: [{ key: KEY, name: 'Canary key', roles: ['viewer', 'incident_creator', 'incident_editor'] }],
  });
  tmp = makeTempDir('incident-io-bad-input-');
});
afterAll(async () => {
  await sim?.close();
  removeTempDir(tmp);
});

describe('the credential', () => {
  test('any JSON: a valid credential or a ConfigError naming the field, never the key', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          shaped('schemas/credential.schema.json'),
          fc.record(
            { api_key: fc.oneof(keyish, json), base_url: fc.oneof(keyish, json) },
            { requiredKeys: [] }
          )
        ),
        (input) => {
          try {
            const c = plugin.validateCredential(input);
            expect(typeof c.api_key).toBe('string');
            expect(c.base_url).toMatch(/^https:|^http:\/\/(127\.|localhost|\[::1\])/);
          } catch (e) {
            expectConfigError(e);
          }
        }
      ),
      params(400)
    );
  });
});

describe('the source config', () => {
  test('any JSON: a source or a ConfigError naming the field, never the key', () => {
    const { logs, logger } = capture();
    const limiters = new LimiterRegistry();
    fc.assert(
      fc.property(shaped('schemas/source-config.schema.json'), (config) => {
        try {
          const s = plugin.createSource(credential(), config, { limiters, logger });
          (s as { close?: () => void }).close?.();
        } catch (e) {
          expectConfigError(e);
        }
      }),
      params(400)
    );
    expectNoKey(logs.join('\n'));
    return limiters.close();
  });

  test('unknown stream names, even long ones that look like a secret, are named without being echoed', () => {
    let err: unknown;
    try {
      plugin.createSource(credential(), { page_sizes: { [KEY]: 5, nope: 5 }, streams: [KEY] }, {});
    } catch (e) {
      err = e;
    }
    expectConfigError(err);
    expect((err as ConfigError).problems.map((p) => p.field)).toEqual(
      expect.arrayContaining(['/streams/0', '/page_sizes/nope'])
    );
  });
});

describe('the destination config', () => {
  test('any JSON: a destination or a ConfigError naming the field, never the key', () => {
    const limiters = new LimiterRegistry();
    const actions = fc.constantFrom(...ACTIONS.map((a) => a.name));
    fc.assert(
      fc.property(
        fc.oneof(
          shaped('schemas/destination-config.schema.json'),
          // A known action with arbitrary other fields.
          fc
            .tuple(actions, shaped('schemas/destination-config.schema.json'))
            .map(([action, rest]) =>
              rest && typeof rest === 'object' && !Array.isArray(rest) ? { ...rest, action } : { action }
            )
        ),
        (config) => {
          try {
            const d = plugin.createDestination(credential(), config, { limiters });
            (d as { close?: () => void }).close?.();
          } catch (e) {
            expectConfigError(e);
          }
        }
      ),
      params(400)
    );
    return limiters.close();
  });
});

describe.each(ACTIONS.map((a) => [a.name, a.input] as const))('action %s', (action, schema) => {
  test('any JSON records: one result each, in order; rejected ones name the field; never the key', async () => {
    const { logs, logger } = capture();
    const limiters = new LimiterRegistry();
    // A dry run: records are validated, names resolved (reads), and nothing is written.
    const destination = plugin.createDestination(
      credential(),
      { action, dry_run: true },
      { limiters, logger, http: HTTP }
    );
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(shaped(schema), { minLength: 1, maxLength: 12 }), async (records) => {
          const results: WriteResult[] = [];
          for await (const r of destination.write(records)) results.push(r);
          expect(results.map((r) => r.index)).toEqual(records.map((_, i) => i));
          for (const r of results) {
            expectNoKey(r);
            if (r.status === 'rejected') {
              expect(r.problems.length).toBeGreaterThan(0);
              for (const p of r.problems) expect(p.field).toMatch(/^\//);
            } else if (r.status === 'failed') {
              expect(r.message).not.toBe('');
              expect(r.failureType).not.toBe('system');
            } else {
              expect(r.status).toBe('ok');
            }
          }
        }),
        params(25)
      );
    } finally {
      (destination as { close?: () => void }).close?.();
      await limiters.close();
    }
    expectNoKey(logs.join('\n'));
    // A dry run never writes.
    expect(Object.values(sim.stats().created).reduce((a, b) => a + b, 0)).toBe(0);
  });

  // Fields whose schema bounds them (a length, an enum, a format) are rejected by validation, naming
  // the field.
  const props = (loadSchema(schema).properties ?? {}) as Record<string, Record<string, unknown>>;
  const strings = Object.keys(props).filter((k) => props[k].type === 'string');
  const limited = (k: string) =>
    ['maxLength', 'enum', 'const', 'pattern', 'format'].some((c) => c in props[k]);
  const bounded = strings.filter(limited);
  const unbounded = strings.filter((k) => !limited(k));

  async function oversized(fields: string[]): Promise<void> {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const limiters = new LimiterRegistry();
    const destination = plugin.createDestination(credential(), { action }, { limiters, http: HTTP });
    const before = sim.stats().requests;
    try {
      const results: WriteResult[] = [];
      for await (const r of destination.write(fields.map((k) => ({ [k]: huge })))) results.push(r);
      expect(results).toHaveLength(fields.length);
      for (const [i, r] of results.entries()) {
        const field = `/${fields[i]}`;
        expect({ field, status: r.status }).toEqual({ field, status: 'rejected' });
        if (r.status !== 'rejected') continue;
        expect(r.problems.map((p) => p.field)).toContain(field);
        // The message says what is wrong without quoting the 10 MB back.
        expect(r.message.length).toBeLessThan(2_000);
      }
    } finally {
      (destination as { close?: () => void }).close?.();
      await limiters.close();
    }
    // Nothing was sent for them.
    expect(sim.stats().requests).toBe(before);
  }

  if (bounded.length > 0) {
    test(`a 10 MB string in a bounded field (${bounded.join(', ')}) is rejected, naming it`, () =>
      oversized(bounded));
  }
  if (unbounded.length > 0) {
    // No schema bound here: the destination's own per-field size limit rejects them, before any request.
    test(`a 10 MB string in an unbounded field (${unbounded.join(', ')}) is rejected, naming it`, () =>
      oversized(unbounded));
  }
});

describe('oversized responses', () => {
  test('a page larger than maxContentLength ends the stream with a clear error, not a crash', async () => {
    const limiters = new LimiterRegistry();
    const source = plugin.createSource(
      credential(),
      { page_sizes: { incidents: 50 }, max_partitions: 1 },
      { limiters, http: { ...HTTP, maxContentLength: 20_000 } }
    );
    const statuses: SourceMessage[] = [];
    try {
      for await (const m of source.read({ streams: ['incidents'] }) as AsyncIterable<SourceMessage>) {
        if (m.type === 'stream_status') statuses.push(m);
        if (m.type === 'record') throw new Error('a record from an answer over the limit');
      }
    } finally {
      (source as { close?: () => void }).close?.();
      await limiters.close();
    }
    expect(statuses.at(-1)).toMatchObject({
      status: 'incomplete',
      // Not 'transient': the same request gets the same answer, so it is not retried (issue 13).
      error: { failureType: 'config', message: expect.stringMatching(/larger than the 20000 byte limit/) },
    });
    const message = (statuses.at(-1) as { error: { message: string } }).error.message;
    // It says what to do about it.
    expect(message).toMatch(/page_sizes|smaller pages/);
    expectNoKey(statuses);
  });
});

describe('over the CLI', () => {
  // Each sample is a child process: a few, seeded, run at once.
  const sample = <T>(arb: fc.Arbitrary<T>, n: number) => fc.sample(arb, { numRuns: n, seed: SEED });
  const cliEnv = (extra: Record<string, string | undefined> = {}) => ({
    ...FAST_HTTP_ENV,
    INCIDENT_IO_CONNECTOR_HOME: path.join(tmp, 'home'),
    INCIDENT_IO_API_KEY: KEY,
    INCIDENT_IO_BASE_URL: sim.url,
    INCIDENT_IO_CONNECTOR_DEBUG: undefined,
    ...extra,
  });
  const expectClean = (r: { stdout: string; stderr: string }) => {
    expectNoKey(r.stdout);
    expectNoKey(r.stderr);
    // A message for a person, never a stack trace.
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stderr).not.toMatch(/internal error/);
  };

  test('bad source and destination config files: exit 2, each field named, no stack, no key', async () => {
    const configs = [
      ...sample(shaped('schemas/source-config.schema.json'), 4).map((c) => ['read', c] as const),
      ...sample(shaped('schemas/destination-config.schema.json'), 4).map((c) => ['write', c] as const),
    ];
    await Promise.all(
      configs.map(async ([command, config], i) => {
        const file = path.join(tmp, `config-${i}.json`);
        fs.writeFileSync(file, JSON.stringify(config) ?? 'null');
        const args =
          command === 'read'
            ? ['read', '--stream', 'incidents', '--limit', '1', '--config', file]
            : ['write', '--action', 'create_incident', '--config', file];
        const r = await runCli(args, { env: cliEnv(), input: '{"name":"CLI bad config"}\n' });
        expectClean(r);
        expect([0, 1, 2]).toContain(r.code);
        if (r.code === 2) expect(r.stderr).toMatch(/^error \(config\): /m);
      })
    );
  });

  test('bad credentials from the environment: exit 2 or a failed probe, no stack, no key', async () => {
    const env = sample(
      fc.record({
        key: fc.oneof(keyish, fc.string({ maxLength: 20 })),
        // Base URLs that carry the key (as a password, in the query) or are refused; a URL is not a
        // secret in itself, so one that merely contains the canary in its host name is left out.
        url: fc.oneof(
          fc.constant(`http://user:${KEY}@127.0.0.1:1`),
          fc.constant(`https://127.0.0.1:1/?token=${KEY}`),
          fc.constant(`ftp://${KEY}`),
          fc.string({ maxLength: 20 }),
          fc.constant('http://example.com')
        ),
      }),
      6
    );
    await Promise.all(
      env.map(async ({ key, url }) => {
        const clean = (s: string) => s.replace(/\0/g, '');
        const r = await runCli(['check'], {
          env: cliEnv({ INCIDENT_IO_API_KEY: clean(key), INCIDENT_IO_BASE_URL: clean(url) }),
        });
        expectClean(r);
        expect([1, 2]).toContain(r.code);
      })
    );
  });

  test('a line over 1 MiB (a 10 MB field) is rejected unsent while streaming, naming its line', async () => {
    const huge = 'y'.repeat(10 * 1024 * 1024);
    const lines = [
      { name: 'Huge severity', severity: huge },
      { name: 'Huge summary', summary: huge },
      { name: 'Huge custom field', custom_fields: { Impact: huge } },
      { name: 'Small one', severity: 'Minor', mode: 'test' },
    ].map((r) => JSON.stringify(r));
    const file = path.join(tmp, 'huge.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const created = sim.stats().created.incidents;
    const r = await runCli(['write', '--action', 'create_incident', '--input', file], { env: cliEnv() });
    expectClean(r);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeLessThan(10_000);
    const results = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { status: string; problems?: Array<{ field: string; reason: string }> });
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected', 'ok']);
    // The line is never read whole (issue 13), so it is named by its number, not its biggest field.
    results.slice(0, 3).forEach((x, i) => {
      expect(x.problems?.[0].field).toBe('/');
      expect(x.problems?.[0].reason).toMatch(
        new RegExp(`^line ${i + 1} is 1048\\d{4} bytes long; a record may be at most 1048576 bytes`)
      );
    });
    expect(sim.stats().created.incidents - created).toBe(1);
  });

  test('every action with arbitrary lines (JSON or not): one result line each, no stack, no key', async () => {
    await Promise.all(
      ACTIONS.map(async ({ name, input }, i) => {
        const records = sample(fc.oneof(shaped(input), fc.string({ maxLength: 30 })), 12);
        const lines = records.map((r) =>
          typeof r === 'string' ? r.replace(/[\r\n]/g, ' ') : JSON.stringify(r)
        );
        const nonEmpty = lines.filter((l) => l.trim() !== '');
        const file = path.join(tmp, `input-${i}.jsonl`);
        fs.writeFileSync(file, `${lines.join('\n')}\n`);
        const config = path.join(tmp, `dry-${i}.json`);
        fs.writeFileSync(config, JSON.stringify({ dry_run: true }));
        const r = await runCli(['write', '--action', name, '--input', file, '--config', config], {
          env: cliEnv(),
        });
        expectClean(r);
        expect([0, 1]).toContain(r.code);
        const results = r.stdout
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as { index: number; status: string });
        expect(results.map((x) => x.index)).toEqual(nonEmpty.map((_, k) => k));
      })
    );
  });
});

// ---- issue 13: the shapes an adversarial trial found ----

/** A JSON text whose keys may be __proto__, constructor or prototype (JSON.parse makes them own data). */
const protoKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'name', 'summary', 'x');
const protoJsonText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constant('1'), fc.constant('"v"'), fc.constant('null'), fc.constant('{"polluted":true}')),
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc
      .array(fc.tuple(protoKey, tie('value')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`)
  ),
})).value;

/** Nesting far beyond any limit: objects or lists, thousands of levels. */
const deepText = fc
  .tuple(fc.integer({ min: 65, max: 20_000 }), fc.boolean())
  .map(([levels, lists]) =>
    lists ? `${'['.repeat(levels)}1${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`
  );

/** Numbers a double cannot hold: long integers, huge or tiny exponents, decimals past 17 digits. */
const lossyNumber = fc.oneof(
  fc.bigInt({ min: 2n ** 60n, max: 10n ** 40n }).map((n) => n.toString()),
  fc.integer({ min: 309, max: 9999 }).map((e) => `1e${e}`),
  fc.integer({ min: 400, max: 9999 }).map((e) => `-2.5E+${e}`),
  fc.stringMatching(/^[1-9]\d{9}\.\d{12}[1-9]$/)
);
const safeNumber = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d))
);

/** A decimal number text in one canonical form: sign, significant digits, exponent. */
function decimal(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  let digits = `${m[2]}${m[3] ?? ''}`.replace(/^0+/, '');
  let exp = Number(m[4] ?? 0) - (m[3]?.length ?? 0);
  if (digits === '') return '0';
  const zeros = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - zeros);
  exp += zeros;
  return `${m[1]}${digits}e${exp}`;
}

function ownKeysOfObjectPrototype(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

describe('issue 13: __proto__ keys everywhere', () => {
  const before = ownKeysOfObjectPrototype();
  afterEach(() => {
    // Nothing reached Object.prototype, whatever the records held.
    expect(ownKeysOfObjectPrototype()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('records: one result each, nothing written to Object.prototype', async () => {
    const limiters = new LimiterRegistry();
    const destination = plugin.createDestination(
      credential(),
      {
        action: 'create_incident',
        dry_run: true,
        mapping: { name: '/name', summary: '', custom_fields: '/x' },
      },
      { limiters, http: HTTP }
    );
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(protoJsonText, { minLength: 1, maxLength: 6 }), async (texts) => {
          const records = texts.map((t) => JSON.parse(t) as unknown);
          const results: WriteResult[] = [];
          for await (const r of destination.write(records)) results.push(r);
          expect(results.map((r) => r.index)).toEqual(records.map((_, i) => i));
        }),
        params(60)
      );
    } finally {
      (destination as { close?: () => void }).close?.();
      await limiters.close();
    }
  });

  test('mapping keys, pointers and templates through a prototype segment are config errors naming the key', () => {
    const segment = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const where = fc.oneof(
      fc.tuple(segment, fc.string({ maxLength: 5 })).map(([s, t]) => ({ [`/${s}/${t}`]: { const: 1 } })),
      fc
        .tuple(segment, fc.string({ maxLength: 5 }))
        .map(([s, t]) => ({ name: `/${t.replace(/[~/]/g, '')}/${s}` })),
      segment.map((s) => ({ name: `Hello {{ a.${s}.b }}` })),
      segment.map((s) => ({ name: `{{/${s}}}` }))
    );
    fc.assert(
      fc.property(where, (mapping) => {
        let err: unknown;
        try {
          plugin.createDestination(credential(), { action: 'create_incident', mapping }, {});
        } catch (e) {
          err = e;
        }
        expectConfigError(err);
        expect((err as ConfigError).problems[0].field).toMatch(/^\/mapping\//);
        expect((err as ConfigError).message).toMatch(/__proto__|constructor|prototype/);
      }),
      params(100)
    );
  });
});

describe('issue 13: depth', () => {
  test('records nested thousands of levels are rejected naming the limit, never a stack overflow', async () => {
    const limiters = new LimiterRegistry();
    const destination = plugin.createDestination(
      credential(),
      { action: 'create_incident' },
      { limiters, http: HTTP }
    );
    const before = sim.stats().requests;
    try {
      await fc.assert(
        fc.asyncProperty(deepText, async (deep) => {
          const record = JSON.parse(`{"name":"Deep","custom_fields":{"Impact":${deep}}}`) as unknown;
          const results: WriteResult[] = [];
          for await (const r of destination.write([record])) results.push(r);
          expect(results).toHaveLength(1);
          expect(results[0]).toMatchObject({ status: 'rejected' });
          expect(JSON.stringify(results[0])).toMatch(/more than 64 levels deep/);
        }),
        params(20)
      );
    } finally {
      (destination as { close?: () => void }).close?.();
      await limiters.close();
    }
    expect(sim.stats().requests).toBe(before);
  });
});

describe('issue 13: input lines', () => {
  // The CLI's reader, in process: lines of any length, in chunks cut anywhere.
  const { splitLines } = require('../src/host/line-splitter') as typeof import('../src/host/line-splitter');
  const { parseLine, readInputRecords } =
    require('../src/host/write-input') as typeof import('../src/host/write-input');
  const { deadLetterLine } = require('../src/host/dead-letter') as typeof import('../src/host/dead-letter');

  test('huge lines: every line comes out whole or as its exact length, in order, in chunks cut anywhere', async () => {
    const LIMIT = 64;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.boolean()), { minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }),
        async (lines, cuts) => {
          const content = Buffer.concat(
            lines.map(([n, crlf], i) =>
              Buffer.from(`${String.fromCharCode(97 + (i % 26)).repeat(n)}${crlf ? '\r\n' : '\n'}`)
            )
          );
          async function* chunks() {
            for (let at = 0, k = 0; at < content.length; k++) {
              const size = cuts[k % cuts.length];
              yield content.subarray(at, at + size);
              at += size;
            }
          }
          const out = [];
          for await (const l of splitLines(chunks(), LIMIT)) out.push(l);
          expect(out.map((l) => l.lineNo)).toEqual(lines.map((_, i) => i + 1));
          out.forEach((l, i) => {
            const [n] = lines[i];
            if (n > LIMIT) expect(l).toEqual({ lineNo: i + 1, oversize: n });
            else
              expect('bytes' in l && l.bytes.toString()).toBe(String.fromCharCode(97 + (i % 26)).repeat(n));
          });
        }
      ),
      params(300)
    );
  });

  test('invalid UTF-8 is rejected unsent; the dead letter keeps every byte of the line', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 12 }),
        fc.string({ maxLength: 8 }),
        (raw, text) => {
          const bytes = Buffer.concat([
            Buffer.from(`{"name":${JSON.stringify(text)},"summary":"`),
            Buffer.from(raw).filter((b) => b !== 0x22 && b !== 0x5c && b >= 0x20),
            Buffer.from('"}'),
          ]);
          const entry = parseLine(0, 1, bytes);
          const { isUtf8 } = require('node:buffer') as typeof import('node:buffer');
          if (!isUtf8(bytes)) {
            expect(entry.record).toBeUndefined();
            expect(entry.problems?.[0].reason).toMatch(/not valid UTF-8/);
          }
          const dead = deadLetterLine(entry, {
            type: 'result',
            index: 0,
            status: 'rejected',
            problems: entry.problems ?? [],
            message: 'x',
          });
          expect(dead.subarray(0, bytes.length - 1).equals(bytes.subarray(0, bytes.length - 1))).toBe(true);
        }
      ),
      params(300)
    );
  });

  test('numbers beyond double precision are rejected naming the field; numbers that survive are not', () => {
    fc.assert(
      fc.property(
        fc.oneof(lossyNumber, safeNumber),
        fc.constantFrom('/amount', '/custom_fields/Revenue at risk', '/list/2'),
        (number, pointer) => {
          const text =
            pointer === '/amount'
              ? `{"name":"n","amount":${number}}`
              : pointer === '/list/2'
                ? `{"name":"n","list":[1,2,${number}]}`
                : `{"name":"n","custom_fields":{"Revenue at risk":${number}}}`;
          const entry = parseLine(0, 1, Buffer.from(text));
          // The oracle: the number JSON.parse makes, printed again, is the same decimal as the text.
          const survives =
            Number.isFinite(Number(number)) && decimal(String(Number(number))) === decimal(number);
          if (survives) expect(entry.problems).toBeUndefined();
          else expect(entry.problems?.map((p) => p.field)).toEqual([pointer]);
        }
      ),
      params(300)
    );
  });

  test('every line yields one record or one problem, in order, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), async (lines) => {
        const body = Buffer.concat(
          lines.map((l) => Buffer.concat([Buffer.from(l).filter((b) => b !== 0x0a), Buffer.from('\n')]))
        );
        const out = [];
        async function* once() {
          yield body;
        }
        for await (const r of readInputRecords(once(), 32)) out.push(r);
        expect(out.map((r) => r.index)).toEqual(out.map((_, i) => i));
        for (const r of out) expect(r.problems !== undefined || r.record !== undefined).toBe(true);
      }),
      params(200)
    );
  });
});

describe('issue 13: keys with \\ and "', () => {
  const { Redactor } = require('../src/host/redact') as typeof import('../src/host/redact');
  const b64token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{8,40}$/);

  test('a key holding \\ or " is refused at validation, without echoing it', () => {
    fc.assert(
      fc.property(b64token, fc.constantFrom('\\', '"', '\\"', '"\\'), b64token, (a, bad, b) => {
        const key = `inc_${a}${bad}${b}`;
        let err: unknown;
        try {
          plugin.validateCredential({ api_key: key });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ConfigError);
        expect(views(err)).not.toContain(key);
        expect(views(err)).not.toContain(JSON.stringify(key).slice(1, -1));
      }),
      params(200)
    );
  });

  test('the redactor hides a key in every form it can take in output: raw, JSON-escaped, URL-encoded, base64', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          b64token,
          fc.tuple(b64token, fc.constantFrom('\\', '"'), b64token).map(([a, c, b]) => `${a}${c}${b}`)
        ),
        fc.string({ maxLength: 3 }),
        (secret, prefix) => {
          const key = `inc_${secret}`;
          const r = new Redactor();
          r.add(key);
          const message = `server said: ${key} / ${encodeURIComponent(key)} / ${Buffer.from(prefix + key).toString('base64')}`;
          const printed = r.redact(JSON.stringify({ message, nested: JSON.stringify({ message }) }));
          for (const form of [key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)]) {
            if (form.length >= 8) expect(printed).not.toContain(form);
          }
          // The base64 of the key, at whatever alignment the prefix gave it, is gone too.
          const b64 = Buffer.from(prefix + key).toString('base64');
          expect(printed).not.toContain(b64);
        }
      ),
      params(300)
    );
  });
});
