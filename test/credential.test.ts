// validateCredential: every bad field in one ConfigError, the key never in a message, the key
// trimmed, base_url defaulted and restricted to https: or loopback http:.
import util from 'node:util';
import { validateCredential, DEFAULT_BASE_URL } from '../src/credential';
import { ConfigError } from '../src/errors';

const KEY = `inc_canary_${'5e'.repeat(32)}`;

function configError(input: unknown): ConfigError {
  try {
    validateCredential(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.failureType).toBe('config');
    return err;
  }
  throw new Error('expected a ConfigError');
}

function fields(err: ConfigError): string[] {
  return err.problems.map((p) => p.field).sort();
}

function expectNoKey(err: ConfigError, key: string = KEY): void {
  for (const view of [
    err.message,
    String(err),
    JSON.stringify(err),
    util.inspect(err, { depth: 10, showHidden: true }),
  ]) {
    expect(view).not.toContain(key);
  }
}

describe('rejected', () => {
  test('a missing key', () => {
    const err = configError({});
    expect(fields(err)).toEqual(['/api_key']);
    expect(err.message).toMatch(/api_key is required/);
  });

  test.each([
    ['empty', ''],
    ['whitespace only', '   \t '],
  ])('an %s key', (_label, key) => {
    const err = configError({ api_key: key });
    expect(fields(err).every((f) => f === '/api_key')).toBe(true);
    expect(err.problems.length).toBeGreaterThanOrEqual(1);
  });

  test('a key with inner spaces, without echoing it', () => {
    const spaced = `${KEY.slice(0, 20)} ${KEY.slice(20)}`;
    const err = configError({ api_key: spaced });
    expect(fields(err)).toEqual(['/api_key']);
    expect(err.problems[0].reason).toMatch(/no spaces/);
    expectNoKey(err, KEY.slice(0, 20));
    expectNoKey(err, KEY.slice(20));
  });

  test.each([
    ['a string', KEY],
    ['null', null],
    ['a number', 42],
    ['an array', [KEY]],
    ['undefined', undefined],
  ])('%s instead of an object', (_label, input) => {
    const err = configError(input);
    expect(fields(err)).toEqual(['/']);
    expectNoKey(err);
  });

  test('a key that is not a string', () => {
    const err = configError({ api_key: 12345 });
    expect(fields(err)).toEqual(['/api_key']);
  });

  test('an unknown field', () => {
    const err = configError({ api_key: KEY, apiKey: KEY });
    expect(fields(err)).toEqual(['/apiKey']);
    expect(err.problems[0].reason).toMatch(/not a known field/);
    expectNoKey(err);
  });

  test.each([
    ['ftp:', 'ftp://api.incident.io', /https/],
    ['plain http to a remote host', 'http://example.com', /https/],
    ['not a URL', 'not a url', /.+/],
    ['a user and password', 'https://user:pass@api.incident.io', /user name or password/],
    ['a query string', 'https://api.incident.io/?x=1', /query/],
  ])('a base_url with %s', (_label, base_url, reason) => {
    const err = configError({ api_key: KEY, base_url });
    expect(fields(err)).toEqual(['/base_url']);
    expect(err.problems[0].reason).toMatch(reason);
    expectNoKey(err);
  });

  test('every bad field is listed in one ConfigError', () => {
    const err = configError({ api_key: `${KEY} ${KEY}`, base_url: 'ftp://x.example', extra: true });
    expect(fields(err)).toEqual(['/api_key', '/base_url', '/extra']);
    for (const f of ['/api_key', '/base_url', '/extra']) expect(err.message).toContain(f);
    expectNoKey(err);
    expect(JSON.parse(JSON.stringify(err)).problems).toHaveLength(3);
  });

  test('a bad URL and a missing key together', () => {
    const err = configError({ base_url: 'http://example.com' });
    expect(fields(err)).toEqual(['/api_key', '/base_url']);
  });
});

describe('accepted', () => {
  test('the key is trimmed and base_url defaults to incident.io', () => {
    expect(validateCredential({ api_key: `  ${KEY}\n` })).toEqual({
      api_key: KEY,
      base_url: DEFAULT_BASE_URL,
    });
    expect(DEFAULT_BASE_URL).toBe('https://api.incident.io');
  });

  test("the caller's object is not changed", () => {
    const input = { api_key: ` ${KEY} ` };
    validateCredential(input);
    expect(input).toEqual({ api_key: ` ${KEY} ` });
  });

  test.each([
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
    ['http://127.0.0.1:4010/', 'http://127.0.0.1:4010'],
    ['http://localhost:8080', 'http://localhost:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['https://api.incident.io', 'https://api.incident.io'],
    ['https://proxy.example.com/incident-io/', 'https://proxy.example.com/incident-io'],
    [' https://api.incident.io ', 'https://api.incident.io'],
  ])('base_url %s', (base_url, expected) => {
    expect(validateCredential({ api_key: KEY, base_url })).toEqual({ api_key: KEY, base_url: expected });
  });

  test('http: on a host that only looks like loopback is refused', () => {
    expect(fields(configError({ api_key: KEY, base_url: 'http://127.0.0.1.nip.io' }))).toEqual(['/base_url']);
    expect(fields(configError({ api_key: KEY, base_url: 'http://localhost.example.com' }))).toEqual([
      '/base_url',
    ]);
  });
});
