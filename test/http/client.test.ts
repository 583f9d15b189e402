// IncidentIoClient against a real loopback server: retries (outside the limiter), Retry-After in both
// forms, error mapping, deadlines, resets, bodies that are not JSON, size limits, redirects, secrets
// and cancellation. Timings are asserted as orderings with generous margins, never tightly.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { IncidentIoClient } from '../../src/http/client';
import { ApiError, CancelledError, ConnectorError, TransportError } from '../../src/errors';
import type { HttpOptions, Logger, RateLimitOptions } from '../../src/contract';
import { LocalServer, Reply, apiErrorBody, startServer, waitFor } from '../helpers/local-server';
import { failure, useHttpFixtures } from '../helpers/http-fixtures';

const KEY = `inc_canary_${'c0ffee42'.repeat(7)}`;

const fx = useHttpFixtures();
const server = () => fx.server();

interface ClientOptions {
  key?: string;
  http?: HttpOptions;
  rateLimit?: RateLimitOptions;
  signal?: AbortSignal;
  logger?: Logger;
}

function client(s: LocalServer | string, o: ClientOptions = {}): IncidentIoClient {
  const c = new IncidentIoClient(
    { api_key: o.key ?? KEY, base_url: typeof s === 'string' ? s : s.url },
    {
      limiters: fx.registry,
      rateLimit: { burst: 5, refillPerSecond: 50, share: 1, ...o.rateLimit },
      http: { timeoutMs: 2_000, maxRetries: 3, backoffBaseMs: 10, backoffMaxMs: 100, ...o.http },
      signal: o.signal,
      logger: o.logger,
    }
  );
  fx.clients.push(c);
  return c;
}

const ok = { status: 200, json: { ok: true } } as const;

describe('retries', () => {
  test('a GET answered 503 then 200 is retried and succeeds', async () => {
    const s = await server();
    s.script({ status: 503, json: apiErrorBody(503, 'api_error', 'unavailable', 'try later') }, ok);
    const res = await client(s).get<{ ok: boolean }>('/v2/incidents');
    expect(res.data).toEqual({ ok: true });
    expect(s.count()).toBe(2);
  });

  test('a POST marked idempotent is retried after 500 and 502, with the same body each time', async () => {
    const s = await server();
    s.script(
      { status: 500, json: apiErrorBody(500, 'api_error', 'boom', 'x') },
      { status: 502, body: 'bad gateway' }
    );
    s.handle(() => ({ status: 200, json: { incident: { id: 'I1' } } }));
    const body = { idempotency_key: 'k-1', visibility: 'public' };
    const res = await client(s).request({ method: 'POST', path: '/v2/incidents', body, idempotent: true });
    expect(res.data).toEqual({ incident: { id: 'I1' } });
    expect(s.count()).toBe(3);
    for (const r of s.requests) {
      expect(r.method).toBe('POST');
      expect(JSON.parse(r.body)).toEqual(body);
      expect(r.headers['content-type']).toMatch(/application\/json/);
    }
  });

  test('a plain POST answered 500 is not retried', async () => {
    const s = await server();
    s.handle(() => ({ status: 500, json: apiErrorBody(500, 'api_error', 'boom', 'internal error') }));
    const err = await failure(client(s).request({ method: 'POST', path: '/v2/incidents', body: { a: 1 } }));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.failureType).toBe('transient');
    expect(err.status).toBe(500);
    expect(err.retryable).toBe(true);
    expect(err.requestId).toBe('req-500-boom');
    expect(s.count()).toBe(1);
  });

  test('5xx retries stop after maxRetries and the last error is thrown', async () => {
    const s = await server();
    s.handle(() => ({ status: 503, json: apiErrorBody(503, 'api_error', 'unavailable', 'down') }));
    const err = await failure(client(s, { http: { maxRetries: 2 } }).get('/v2/incidents'));
    expect(err.status).toBe(503);
    expect(s.count()).toBe(3);
  });

  test('a per-call maxRetries: 0 overrides the client default', async () => {
    const s = await server();
    s.handle(() => ({ status: 503, json: apiErrorBody(503, 'api_error', 'unavailable', 'down') }));
    await failure(client(s).request({ method: 'GET', path: '/v1/identity', maxRetries: 0 }));
    expect(s.count()).toBe(1);
  });

  test('every attempt re-enters the limiter (counted as a request by the key limiter)', async () => {
    const s = await server();
    s.script({ status: 503, body: '' }, { status: 503, body: '' }, ok);
    const c = client(s);
    await c.get('/v2/incidents');
    expect(s.count()).toBe(3);
    expect(c.limiter.counters.requests).toBe(3);
  });
});

describe('429 and Retry-After', () => {
  function tooMany(headers: Record<string, string>, body: Record<string, unknown> = {}) {
    return {
      status: 429,
      headers,
      json: apiErrorBody(429, 'too_many_requests', 'too_many_requests', 'Too many requests', body),
    };
  }

  test('Retry-After in integer seconds is honoured', async () => {
    const s = await server();
    s.script(tooMany({ 'Retry-After': '1' }), ok);
    await client(s).get('/v2/incidents');
    expect(s.count()).toBe(2);
    expect(s.requests[1].at - s.requests[0].at).toBeGreaterThanOrEqual(1_000 - 50);
  });

  test('Retry-After as an HTTP date is honoured', async () => {
    const s = await server();
    let until = 0;
    s.handle(() => {
      if (s.requests.length === 1) {
        // HTTP dates have second precision: a whole second at least 1.2 s away.
        until = Math.ceil((Date.now() + 1_200) / 1000) * 1000;
        return tooMany({ 'Retry-After': new Date(until).toUTCString() });
      }
      return ok;
    });
    await client(s).get('/v2/incidents');
    expect(s.count()).toBe(2);
    expect(s.requests[1].at).toBeGreaterThanOrEqual(until - 50);
    expect(s.requests[1].at - s.requests[0].at).toBeGreaterThanOrEqual(1_000);
  });

  test('without Retry-After, the body rate_limit.retry_after (RFC 3339) is honoured', async () => {
    const s = await server();
    let until = 0;
    s.handle(() => {
      if (s.requests.length === 1) {
        until = Date.now() + 1_000;
        return tooMany(
          {},
          {
            rate_limit: {
              name: 'key',
              limit: 1200,
              remaining: 0,
              retry_after: new Date(until).toISOString(),
            },
          }
        );
      }
      return ok;
    });
    await client(s).get('/v2/incidents');
    expect(s.count()).toBe(2);
    expect(s.requests[1].at).toBeGreaterThanOrEqual(until - 50);
  });

  test('a 429 after the last retry is an ApiError rate_limited with retryAfterMs and request_id', async () => {
    const s = await server();
    s.handle(() => tooMany({ 'Retry-After': '2' }));
    const err = await failure(client(s, { http: { maxRetries: 0 } }).get('/v2/incidents'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.failureType).toBe('rate_limited');
    expect(err.retryable).toBe(true);
    expect((err as ApiError).retryAfterMs).toBe(2_000);
    expect(err.requestId).toBe('req-429-too_many_requests');
    expect(s.count()).toBe(1);
  });

  test('a plain POST answered 429 is sent again after the pause (the API did not process it)', async () => {
    const s = await server();
    s.script(tooMany({ 'Retry-After': '0' }), { status: 200, json: { incident: { id: 'I9' } } });
    const res = await client(s).request({ method: 'POST', path: '/v2/incidents', body: { x: 1 } });
    expect(res.data).toEqual({ incident: { id: 'I9' } });
    expect(s.count()).toBe(2);
  });
});

describe('errors that are not retried', () => {
  const cases: Array<{ status: number; type: string; code: string; failureType: string }> = [
    { status: 400, type: 'invalid_request_error', code: 'bad_filter', failureType: 'bad_record' },
    { status: 401, type: 'authentication_error', code: 'authentication_failed', failureType: 'auth' },
    { status: 403, type: 'resource_forbidden', code: 'forbidden', failureType: 'permission' },
    { status: 404, type: 'not_found', code: 'not_found', failureType: 'config' },
    { status: 422, type: 'validation_error', code: 'is_required', failureType: 'bad_record' },
  ];
  test.each(cases)('$status fails at once as $failureType with request_id and code', async (c) => {
    const s = await server();
    s.handle(() => ({ status: c.status, json: apiErrorBody(c.status, c.type, c.code, `msg ${c.code}`) }));
    const err = await failure(client(s).get('/v2/incidents'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.failureType).toBe(c.failureType);
    expect(err.status).toBe(c.status);
    expect(err.retryable).toBe(false);
    expect(err.requestId).toBe(`req-${c.status}-${c.code}`);
    expect(err.code).toBe(c.code);
    expect((err as ApiError).errors[0]).toMatchObject({ code: c.code, message: `msg ${c.code}` });
    expect(err.message).toContain(`req-${c.status}-${c.code}`);
    expect(s.count()).toBe(1);
  });

  test('401 says the API key is invalid or revoked', async () => {
    const s = await server();
    s.handle(() => ({
      status: 401,
      json: apiErrorBody(401, 'authentication_error', 'authentication_failed', 'Authentication failed'),
    }));
    const err = await failure(client(s).get('/v1/identity'));
    expect(err.message).toMatch(/invalid or revoked/);
  });

  test('403 names the resource and the roles the key needs', async () => {
    const s = await server();
    s.handle(() => ({
      status: 403,
      json: apiErrorBody(403, 'resource_forbidden', 'forbidden', 'Forbidden'),
    }));
    const read = await failure(client(s).get('/v2/incidents'));
    expect(read.message).toMatch(/read incidents/);
    expect(read.message).toMatch(/viewer/);
    const write = await failure(
      client(s).request({ method: 'POST', path: '/v3/catalog_entries', body: {}, idempotent: true })
    );
    expect(write.message).toMatch(/the catalog/);
    expect(write.message).toMatch(/catalog_editor/);
    expect(s.count()).toBe(2);
  });

  test('a 422 message carries the field and the API message', async () => {
    const s = await server();
    s.handle(() => ({
      status: 422,
      json: {
        type: 'validation_error',
        status: 422,
        request_id: 'r-422',
        errors: [
          { code: 'is_required', message: 'A severity is required', source: { field: 'severity_id' } },
        ],
      },
    }));
    const err = (await failure(
      client(s).request({ method: 'POST', path: '/v2/incidents', body: {}, idempotent: true })
    )) as ApiError;
    expect(err.errors).toEqual([
      { code: 'is_required', message: 'A severity is required', field: 'severity_id' },
    ]);
    expect(err.message).toContain('severity_id: A severity is required');
    expect(s.count()).toBe(1);
  });
});

describe('transport failures', () => {
  test('a server that never answers fails with TransportError "deadline" after timeoutMs', async () => {
    const s = await server();
    s.handle(() => 'hang');
    const started = Date.now();
    const err = await failure(client(s, { http: { timeoutMs: 300, maxRetries: 0 } }).get('/v2/incidents'));
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('deadline');
    expect(err.retryable).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5_000);
    expect(s.count()).toBe(1);
  });

  test('a deadline is retried with a fresh deadline per attempt', async () => {
    const s = await server();
    s.script('hang', 'hang', ok);
    const res = await client(s, { http: { timeoutMs: 200, maxRetries: 3 } }).get('/v2/incidents');
    expect(res.data).toEqual({ ok: true });
    expect(s.count()).toBe(3);
  });

  test('a reset socket is a retryable TransportError (and a GET retries it)', async () => {
    const s = await server();
    s.handle(() => 'reset');
    const err = await failure(client(s, { http: { maxRetries: 0 } }).get('/v2/incidents'));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('ECONNRESET');
    expect(err.message).toMatch(/reset/);

    s.script('reset');
    s.handle(() => ok);
    const before = s.count();
    const res = await client(s).get('/v2/incidents');
    expect(res.data).toEqual({ ok: true });
    expect(s.count() - before).toBe(2);
  });

  test('a plain POST is not re-sent after a reset (it may have been processed)', async () => {
    const s = await server();
    s.handle(() => 'reset');
    const err = await failure(client(s).request({ method: 'POST', path: '/v2/incidents', body: {} }));
    expect(err.code).toBe('ECONNRESET');
    expect(s.count()).toBe(1);
  });

  test('a refused connection is a retryable TransportError', async () => {
    const s = await startServer();
    const url = s.url;
    await s.close();
    const err = await failure(client(url, { http: { maxRetries: 0 } }).get('/v1/identity'));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.retryable).toBe(true);
  });

  test('a 200 with an HTML body is a clear TransportError, not a string', async () => {
    const s = await server();
    s.handle(() => ({
      status: 200,
      headers: { 'Content-Type': 'text/html' },
      body: '<html><body>Gateway maintenance</body></html>',
    }));
    const err = await failure(client(s).get('/v2/incidents'));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('bad_body');
    expect(err.message).toMatch(/not JSON/);
    expect(err.message).toMatch(/text\/html/);
    expect(s.count()).toBe(1);
  });

  test('a 200 with malformed JSON is a clear TransportError', async () => {
    const s = await server();
    s.handle(() => ({
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{"incidents": [{"id": "01',
    }));
    const err = await failure(client(s).get('/v2/incidents'));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('bad_body');
    expect(err.message).toMatch(/not JSON/);
  });

  test('a 200 whose JSON is null or a bare string is a clear TransportError', async () => {
    const s = await server();
    s.script(
      { status: 200, headers: { 'Content-Type': 'application/json' }, body: 'null' },
      { status: 200, headers: { 'Content-Type': 'application/json' }, body: '"ok"' }
    );
    const c = client(s);
    expect((await failure(c.get('/v1/identity'))).code).toBe('bad_body');
    expect((await failure(c.get('/v1/identity'))).code).toBe('bad_body');
  });

  test('a body cut short by a reset is a retryable TransportError, and a GET retries it', async () => {
    const s = await server();
    const cut = (): Reply => ({
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' },
      body: '{"incidents": [',
      cut: true,
    });
    s.handle(cut);
    const err = await failure(client(s, { http: { maxRetries: 0 } }).get('/v2/incidents'));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/cut short/);
    s.script(cut());
    s.handle(() => ok);
    const before = s.count();
    expect((await client(s).get('/v2/incidents')).data).toEqual({ ok: true });
    expect(s.count() - before).toBe(2);
  });

  test('a 204 or an empty 200 is fine (no body)', async () => {
    const s = await server();
    s.script({ status: 204 }, { status: 200, body: '' });
    const c = client(s);
    expect((await c.request({ method: 'DELETE', path: '/v3/catalog_entries/x' })).data).toBeUndefined();
    expect((await c.get('/v2/incidents')).data).toBeUndefined();
  });

  test('a body larger than maxContentLength fails with "too_large" and is not retried', async () => {
    const s = await server();
    s.handle(() => ({ status: 200, json: { incidents: ['x'.repeat(5_000)] } }));
    const err = await failure(client(s, { http: { maxContentLength: 1_000 } }).get('/v2/incidents'));
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe('too_large');
    expect(err.retryable).toBe(false);
    expect(s.count()).toBe(1);
  });

  test('a 302 to another origin is not followed: the other server receives nothing', async () => {
    const s = await server();
    const other = await server();
    s.handle(() => ({ status: 302, headers: { Location: `${other.url}/steal` }, body: '' }));
    const err = await failure(client(s).get('/v2/incidents'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.failureType).toBe('config');
    expect(err.status).toBe(302);
    expect(err.message).toMatch(/redirect/);
    expect(s.count()).toBe(1);
    expect(s.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    // Give a stray follow-up request every chance to arrive.
    await new Promise((r) => setTimeout(r, 100));
    expect(other.count()).toBe(0);
    expect(other.requests.some((r) => r.headers.authorization !== undefined)).toBe(false);
  });

  test('query parameters are encoded with incident.io brackets', async () => {
    const s = await server();
    await client(s).get('/v2/incidents', {
      page_size: 25,
      'status_category[one_of]': ['live', 'closed'],
      'updated_at[gte]': '2024-01-01T00:00:00Z',
      after: undefined,
    });
    const url = s.requests[0].url;
    expect(url).toContain('status_category[one_of]=live&status_category[one_of]=closed');
    expect(url).toContain('updated_at[gte]=2024-01-01T00%3A00%3A00Z');
    expect(url).not.toContain('after');
    expect(s.requests[0].query.get('page_size')).toBe('25');
  });
});

describe('secrets never leave the HTTP boundary', () => {
  function viewsOf(err: unknown): string[] {
    const e = err as Error & { cause?: unknown };
    return [
      String(e.message),
      String(err),
      JSON.stringify(err),
      util.inspect(err, { depth: 10, showHidden: true }),
      String(e.stack),
      util.inspect(e.cause, { depth: 10, showHidden: true }),
      JSON.stringify(e.cause ?? null),
      util.inspect(Object.assign({}, err), { depth: 10, showHidden: true }),
    ];
  }

  test('errors from 401, 500, timeout, reset, HTML body and redirect do not contain the key', async () => {
    const s = await server();
    const logged: string[] = [];
    const logger: Logger = {
      debug: (m, f) => logged.push(m, JSON.stringify(f ?? {})),
      info: (m, f) => logged.push(m, JSON.stringify(f ?? {})),
      warn: (m, f) => logged.push(m, JSON.stringify(f ?? {})),
      error: (m, f) => logged.push(m, JSON.stringify(f ?? {})),
    };
    const c = client(s, { http: { timeoutMs: 200, maxRetries: 1 }, logger });
    const replies = new Map<string, () => ReturnType<Parameters<LocalServer['handle']>[0]>>([
      [
        '/401',
        () => ({
          status: 401,
          json: apiErrorBody(401, 'authentication_error', 'bad', 'Authentication failed'),
        }),
      ],
      ['/500', () => ({ status: 500, json: apiErrorBody(500, 'api_error', 'boom', 'internal') })],
      ['/timeout', () => 'hang'],
      ['/reset', () => 'reset'],
      ['/html', () => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html>oops</html>' })],
      ['/redirect', () => ({ status: 301, headers: { Location: 'http://127.0.0.1:9/x' }, body: '' })],
    ]);
    s.handle((r) => replies.get(r.path)!() as never);
    const errors: unknown[] = [];
    for (const path of replies.keys()) {
      try {
        await c.get(path);
        throw new Error(`expected ${path} to fail`);
      } catch (e) {
        expect(e).toBeInstanceOf(ConnectorError);
        errors.push(e);
      }
    }
    expect(errors).toHaveLength(6);
    // The key really was sent, so a leak would show.
    expect(s.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    for (const err of errors) {
      for (const view of viewsOf(err)) expect(view).not.toContain(KEY);
      expect(viewsOf(err).join('\n')).not.toContain('c0ffee42c0ffee42');
    }
    expect(logged.length).toBeGreaterThan(0); // the retries were logged
    for (const line of logged) expect(line).not.toContain(KEY);
  });

  test('a per-call Authorization (an alert source token) replaces the key and never leaks either', async () => {
    const s = await server();
    const TOKEN = `src_canary_${'7e'.repeat(24)}`;
    const c = client(s, { http: { timeoutMs: 200, maxRetries: 0 } });
    const replies: Array<() => Reply> = [
      () => ({
        status: 401,
        json: apiErrorBody(401, 'authentication_error', 'bad', 'Authentication failed'),
      }),
      () => ({ status: 500, json: apiErrorBody(500, 'api_error', 'boom', 'internal') }),
      () => 'hang',
      () => 'reset',
    ];
    s.handle(() => replies[s.requests.length - 1]());
    for (let i = 0; i < replies.length; i++) {
      const err = await failure(
        c.request({
          method: 'POST',
          path: '/v2/alert_events/http/01ABC',
          body: { title: 't', status: 'firing' },
          authorization: `Bearer ${TOKEN}`,
        })
      );
      for (const view of viewsOf(err)) {
        expect(view).not.toContain(TOKEN);
        expect(view).not.toContain(KEY);
      }
    }
    expect(s.requests.map((r) => r.headers.authorization)).toEqual(replies.map(() => `Bearer ${TOKEN}`));
  });

  test('the limiter id carries a fingerprint of the key, never the key', async () => {
    const s = await server();
    const c = client(s);
    expect(c.limiter.id).toMatch(/^incident-io-v1-[0-9a-f]{16}$/);
    expect(c.limiter.id).not.toContain(KEY);
    expect(c.limiter.id).not.toContain('c0ffee42');
    expect(util.inspect(c.limiter, { depth: 6, showHidden: true })).not.toContain(KEY);
  });
});

describe('cancellation', () => {
  test('aborting during a retry wait rejects promptly with CancelledError', async () => {
    const s = await server();
    s.handle(() => ({ status: 503, json: apiErrorBody(503, 'api_error', 'unavailable', 'down') }));
    const ac = new AbortController();
    const c = client(s, { http: { backoffBaseMs: 20_000, backoffMaxMs: 20_000 } });
    const p = c.get('/v2/incidents', undefined, { signal: ac.signal });
    await waitFor(() => s.count() === 1, 5_000, 'the first attempt');
    await new Promise((r) => setTimeout(r, 50));
    const abortedAt = Date.now();
    ac.abort();
    const err = await failure(p);
    expect(err).toBeInstanceOf(CancelledError);
    expect(err.failureType).toBe('cancelled');
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(s.count()).toBe(1);
  });

  test('aborting during a 429 pause rejects promptly with CancelledError (both the paused and other callers)', async () => {
    const s = await server();
    s.handle(() => ({
      status: 429,
      headers: { 'Retry-After': '30' },
      json: apiErrorBody(429, 'too_many_requests', 'too_many_requests', 'slow down'),
    }));
    const ac = new AbortController();
    const c1 = client(s, { signal: ac.signal });
    const c2 = client(s);
    const p1 = c1.get('/v2/incidents');
    await waitFor(() => c1.limiter.counters.pauses === 1, 5_000, 'the pause');
    const p2 = c2.get('/v2/alerts', undefined, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 50));
    const abortedAt = Date.now();
    ac.abort();
    expect(await failure(p1)).toBeInstanceOf(CancelledError);
    expect(await failure(p2)).toBeInstanceOf(CancelledError);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(s.count()).toBe(1);
  });

  test('aborting while queued for a token rejects promptly and sends nothing', async () => {
    const s = await server();
    // One token, refilled every 10 s: the second request waits in the limiter's queue.
    const c = client(s, { rateLimit: { burst: 1, refillPerSecond: 0.1 } });
    await c.get('/v2/incidents');
    const ac = new AbortController();
    const p = c.get('/v2/incidents', undefined, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    const abortedAt = Date.now();
    ac.abort();
    expect(await failure(p)).toBeInstanceOf(CancelledError);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(s.count()).toBe(1);
  });

  test('an already aborted signal sends nothing', async () => {
    const s = await server();
    const ac = new AbortController();
    ac.abort();
    expect(await failure(client(s).get('/v2/incidents', undefined, { signal: ac.signal }))).toBeInstanceOf(
      CancelledError
    );
    expect(s.count()).toBe(0);
  });

  test('aborting an attempt in flight is CancelledError, not a deadline', async () => {
    const s = await server();
    s.handle(() => 'hang');
    const ac = new AbortController();
    const p = client(s, { signal: ac.signal, http: { timeoutMs: 10_000 } }).get('/v2/incidents');
    await waitFor(() => s.count() === 1, 5_000, 'the attempt');
    ac.abort();
    const err = await failure(p);
    expect(err).toBeInstanceOf(CancelledError);
    expect(s.count()).toBe(1);
  });
});

describe('identification', () => {
  test('the User-Agent names the package and its version as package.json says', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
      version: string;
    };
    const s = await server();
    s.handle(() => ok);
    await client(s).get('/v1/identity');
    expect(s.requests[0].headers['user-agent']).toBe(`incident-io-connector/${version}`);
  });
});

describe('read-only clients and the request hook', () => {
  test.each(['POST', 'PUT', 'DELETE'] as const)(
    'a read-only client refuses %s before it is sent; GET still goes',
    async (method) => {
      const s = await server();
      s.handle(() => ok);
      const c = client(s, { http: { readOnly: true } });
      const err = await failure(
        c.request({ method, path: '/v2/incidents', body: { a: 1 }, idempotent: true })
      );
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err.failureType).toBe('config');
      expect(err.code).toBe('read_only');
      expect(err.message).toBe(
        `this run is read-only: ${method} /v2/incidents was refused before it was sent`
      );
      expect(s.count()).toBe(0);
      expect((await c.get('/v2/incidents')).status).toBe(200);
      expect(s.requests.map((r) => r.method)).toEqual(['GET']);
    }
  );

  test('a client without readOnly sends writes (the option is what refuses them)', async () => {
    const s = await server();
    s.handle(() => ok);
    await client(s).request({ method: 'POST', path: '/v2/incidents', body: { a: 1 } });
    expect(s.requests.map((r) => r.method)).toEqual(['POST']);
  });

  test('onRequest hears of every attempt sent, retries included, with its route', async () => {
    const s = await server();
    s.script({ status: 503, json: apiErrorBody(503, 'api_error', 'unavailable', 'try later') }, ok);
    s.handle(() => ok);
    const heard: Array<{ method: string; route: string }> = [];
    const c = client(s, { http: { readOnly: true, onRequest: (r) => heard.push(r) } });
    await c.get('/v2/incidents/01ABC', undefined, { route: 'GET /v2/incidents/{id}' });
    await c.get('/v1/identity');
    await failure(c.request({ method: 'POST', path: '/v2/incidents', body: {} }));
    expect(heard).toEqual([
      { method: 'GET', route: 'GET /v2/incidents/{id}' },
      { method: 'GET', route: 'GET /v2/incidents/{id}' },
      { method: 'GET', route: 'GET /v1/identity' },
    ]);
    expect(s.count()).toBe(heard.length);
  });
});
