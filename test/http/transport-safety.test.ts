// Transport safety (issue 7), beyond test/http/client.test.ts (which has the 302 GET to another origin
// and a body over maxContentLength with a Content-Length): no redirect of any kind, on any method, is
// followed, so the Authorization header never reaches another origin; a path is never taken for a URL;
// `http:` base URLs other than loopback are refused (validateCredential, the client itself, the CLI and
// the credential store); and response and request size limits hold for chunked and compressed bodies.
import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import zlib from 'node:zlib';
import { validateCredential } from '../../src/credential';
import { ApiError, ConfigError, ConnectorError, TransportError } from '../../src/errors';
import { IncidentIoClient } from '../../src/http/client';
import plugin from '../../src';
import { FAST_HTTP_ENV, makeTempDir, removeTempDir, runCli } from '../helpers/cli';
import type { LocalServer } from '../helpers/local-server';
import { failure as failureOf, useHttpFixtures } from '../helpers/http-fixtures';

const KEY = `inc_canary_${'7a11'.repeat(12)}`;

const fx = useHttpFixtures();
const server = () => fx.server();

function client(baseUrl: string, maxContentLength?: number): IncidentIoClient {
  const c = new IncidentIoClient(
    { api_key: KEY, base_url: baseUrl },
    {
      limiters: fx.registry,
      http: { timeoutMs: 2_000, maxRetries: 2, backoffBaseMs: 5, backoffMaxMs: 20, maxContentLength },
    }
  );
  fx.clients.push(c);
  return c;
}

/** The error a request fails with, which never carries the key. */
async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await failureOf(p);
  expect(JSON.stringify(e)).not.toContain(KEY);
  return e;
}

describe('redirects are never followed', () => {
  const cases: Array<{
    status: number;
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    target: 'other' | 'same';
  }> = [];
  for (const status of [301, 302, 303, 307, 308]) {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE'] as const) {
      for (const target of ['other', 'same'] as const) {
        // 302 GET to another origin is in http/client.test.ts.
        if (!(status === 302 && method === 'GET' && target === 'other'))
          cases.push({ status, method, target });
      }
    }
  }

  test.each(cases)('$status on $method to the $target origin', async ({ status, method, target }) => {
    const s = await server();
    const other = await server();
    const location = target === 'other' ? `${other.url}/steal` : `${s.url}/v2/elsewhere`;
    s.handle((r) =>
      r.path === '/v2/elsewhere'
        ? { status: 200, json: { followed: true } }
        : { status, headers: { Location: location } }
    );
    const err = await failure(
      client(s.url).request({
        method,
        path: '/v2/incidents',
        body: method === 'GET' || method === 'DELETE' ? undefined : { idempotency_key: 'k', name: 'x' },
        idempotent: true,
      })
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ failureType: 'config', status, retryable: false });
    expect(err.message).toMatch(/redirect .*check the base URL/);
    // One request, to the base URL, and nothing anywhere else: not even to the same origin.
    expect(s.requests.map((r) => r.path)).toEqual(['/v2/incidents']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(other.count()).toBe(0);
  });
});

describe('a path is never taken for a URL', () => {
  test.each([
    ['an absolute URL', (other: LocalServer) => `${other.url}/steal`],
    ['a protocol-relative URL', (other: LocalServer) => `//127.0.0.1:${other.port}/steal`],
  ])('%s goes to the base URL, never to another origin', async (_label, path) => {
    const s = await server();
    const other = await server();
    s.handle(() => ({ status: 404, json: { type: 'not_found', status: 404, errors: [] } }));
    await failure(client(s.url).get(path(other)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(other.count()).toBe(0);
    expect(other.requests.some((r) => r.headers.authorization !== undefined)).toBe(false);
    for (const r of s.requests) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe('plain http: only to this machine', () => {
  const remoteHost = fc.oneof(
    fc.domain(),
    fc.ipV4().filter((ip) => !ip.startsWith('127.')),
    fc
      .ipV6()
      .filter((ip) => ip !== '::1' && !/^[0:]*:1$/.test(ip))
      .map((ip) => `[${ip}]`)
  );
  const loopbackHost = fc.oneof(
    fc.constantFrom('localhost', '[::1]', '[0:0:0:0:0:0:0:1]'),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`)
  );
  const port = fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined });
  const url = (scheme: string, host: string, p: number | undefined) =>
    `${scheme}://${host}${p ? `:${p}` : ''}`;

  test('validateCredential: http: to any other host is refused, https: to it and http: to loopback are fine', () => {
    fc.assert(
      fc.property(remoteHost, loopbackHost, port, (remote, loopback, p) => {
        let refused: unknown;
        try {
          validateCredential({ api_key: KEY, base_url: url('http', remote, p) });
        } catch (e) {
          refused = e;
        }
        expect(refused).toBeInstanceOf(ConfigError);
        expect((refused as ConfigError).problems.map((x) => x.field)).toEqual(['/base_url']);
        expect(JSON.stringify(refused)).not.toContain(KEY);
        expect(validateCredential({ api_key: KEY, base_url: url('https', remote, p) }).base_url).toMatch(
          /^https:/
        );
        expect(validateCredential({ api_key: KEY, base_url: url('http', loopback, p) }).base_url).toMatch(
          /^http:/
        );
      }),
      { numRuns: 300, seed: 7 }
    );
  });

  test('hosts that only look like loopback, or hide another host, are refused', () => {
    for (const base_url of [
      'http://127.0.0.1.nip.io',
      'http://localhost.example.com',
      'http://127.0.0.1@example.com',
      'http://example.com#@127.0.0.1',
      'http://0.0.0.0:8080',
      'http://[::ffff:7f00:1]',
      'http://169.254.169.254',
      'HTTP://EXAMPLE.COM',
    ]) {
      expect(() => validateCredential({ api_key: KEY, base_url })).toThrow(ConfigError);
    }
  });

  test('the client itself refuses one, for a caller that skipped validateCredential', () => {
    expect(() => new IncidentIoClient({ api_key: KEY, base_url: 'http://example.com' })).toThrow(
      expect.objectContaining({
        failureType: 'config',
        problems: [expect.objectContaining({ field: '/base_url' })],
      })
    );
    // And so do the adapters and the probe built from such a credential.
    const bad = { api_key: KEY, base_url: 'http://example.com' };
    expect(() => plugin.createSource(bad, {})).toThrow(ConfigError);
    expect(() => plugin.createDestination(bad, { action: 'create_incident' })).toThrow(ConfigError);
    return expect(plugin.authenticate(bad)).resolves.toMatchObject({ ok: false, failure: 'config' });
  });

  test('the CLI refuses it from the environment and `credentials add` saves nothing', async () => {
    const home = makeTempDir('incident-io-transport-home-');
    try {
      const env = {
        ...FAST_HTTP_ENV,
        INCIDENT_IO_CONNECTOR_HOME: home,
        INCIDENT_IO_API_KEY: KEY,
        INCIDENT_IO_BASE_URL: 'http://example.com',
      };
      const [check, add, addFlag] = await Promise.all([
        runCli(['check'], { env }),
        runCli(['credentials', 'add', '--name', 'plain'], { env }),
        runCli(['credentials', 'add', '--name', 'plain2', '--base-url', 'http://example.com'], {
          env: { ...env, INCIDENT_IO_BASE_URL: undefined },
        }),
      ]);
      for (const r of [check, add, addFlag]) {
        expect(r.stdout + r.stderr).not.toContain(KEY);
        expect(r.stdout + r.stderr).toMatch(/https/);
      }
      expect([check.code, add.code, addFlag.code].every((c) => c === 1 || c === 2)).toBe(true);
      const list = await runCli(['credentials', 'list'], {
        env: { ...env, INCIDENT_IO_BASE_URL: undefined },
      });
      expect(list.stdout.trim()).toBe('');
    } finally {
      removeTempDir(home);
    }
  });
});

describe('deadlines', () => {
  // Node 20: a timeout signal inside AbortSignal.any() can be garbage-collected before it fires. The
  // client's per-attempt deadline must fire anyway, or an answer that never comes hangs the run.
  test('fire after garbage collection, with a caller signal (as every CLI run has)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const s = await server();
    s.handle(() => 'hang');
    const caller = new AbortController();
    const c = new IncidentIoClient(
      { api_key: KEY, base_url: s.url },
      {
        limiters: fx.registry,
        signal: caller.signal,
        http: { timeoutMs: 200, maxRetries: 1, backoffBaseMs: 5 },
      }
    );
    fx.clients.push(c);
    const pending = Promise.all(Array.from({ length: 6 }, (_, i) => failure(c.get(`/v2/incidents/${i}`))));
    const collect = setInterval(gc, 50);
    try {
      const errors = await Promise.race([
        pending,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('a deadline never fired')), 15_000)
        ),
      ]);
      for (const e of errors) expect(e).toMatchObject({ code: 'deadline', retryable: true });
    } finally {
      clearInterval(collect);
    }
  });
});

describe('size limits', () => {
  /** A raw server for bodies the scripted one cannot send (endless, compressed). */
  async function rawServer(
    handler: http.RequestListener
  ): Promise<{ url: string; close: () => Promise<void> }> {
    const s = http.createServer(handler);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    };
  }

  test('an endless chunked body (no Content-Length) stops at the limit: too_large, not retried', async () => {
    let requests = 0;
    const s = await rawServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const pump = () => {
        while (res.write(chunk)) {
          /* until the socket pushes back */
        }
      };
      res.on('drain', pump);
      pump();
    });
    try {
      const started = Date.now();
      const err = await failure(client(s.url, 256 * 1024).get('/v2/incidents'));
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ code: 'too_large', retryable: false });
      expect(err.message).toMatch(/larger than the 262144 byte limit/);
      expect(Date.now() - started).toBeLessThan(1_900);
      expect(requests).toBe(1);
    } finally {
      await s.close();
    }
  });

  test('a compressed body is limited by its decompressed size (a gzip bomb is refused)', async () => {
    const bomb = zlib.gzipSync(Buffer.from(JSON.stringify({ incidents: ['z'.repeat(5 * 1024 * 1024)] })));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const s = await rawServer((_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
        'Content-Length': String(bomb.length),
      });
      res.end(bomb);
    });
    try {
      const err = await failure(client(s.url, 1024 * 1024).get('/v2/incidents'));
      expect(err).toMatchObject({ code: 'too_large', retryable: false });
    } finally {
      await s.close();
    }
  });

  test('an error answer with a huge body is limited too', async () => {
    const s = await server();
    s.handle(() => ({ status: 500, body: 'e'.repeat(200_000) }));
    const err = await failure(client(s.url, 50_000).get('/v2/incidents'));
    expect(err).toMatchObject({ code: 'too_large', retryable: false });
    expect(s.count()).toBe(1);
  });

  test('a request body over the limit is refused before sending, clearly, and not retried', async () => {
    const s = await server();
    const err = await failure(
      client(s.url, 10_000).request({
        method: 'POST',
        path: '/v2/incidents',
        body: { idempotency_key: 'k', name: 'n'.repeat(20_000) },
        idempotent: true,
      })
    );
    expect(err).toMatchObject({ code: 'too_large', retryable: false });
    expect(err.message).toMatch(/request body .* larger than the 10000 byte limit; nothing was sent/);
    expect(s.count()).toBe(0);
  });
});
