// Transport failures no retry can fix (issue 13): an untrusted (self-signed) certificate, a TLS
// handshake with a server that does not speak TLS, an answer that is not HTTP. Each fails at once —
// one connection, no backoff — as a `config` failure that says what is wrong; before, a self-signed
// certificate was retried as transient for the whole retry budget. The certificate is generated
// when the test runs (selfsigned), so nothing depends on the machine.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { TransportError } from '../../src/errors';
import { IncidentIoClient } from '../../src/http/client';
import { LimiterRegistry } from '../../src/http/limiter';
import { FAST_HTTP_ENV, runCli } from '../helpers/cli';

const KEY = `inc_canary_${'7e57'.repeat(14)}`;

interface Served {
  url: string;
  /** TCP connections accepted: one per attempt. */
  connections: () => number;
  /** HTTP requests that got through (the key would have gone with them). */
  requests: () => number;
  close: () => Promise<void>;
}

async function serve(kind: 'self-signed' | 'plain-http' | 'not-http'): Promise<Served> {
  let connections = 0;
  let requests = 0;
  let server: net.Server;
  if (kind === 'self-signed') {
    // An EC key: quick to make.
    const pems = await selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keyType: 'ec',
      notAfterDate: new Date(Date.now() + 24 * 3600_000),
    });
    server = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => {
      requests++;
      res.end('{}');
    });
  } else if (kind === 'plain-http') {
    server = http.createServer((_req, res) => {
      requests++;
      res.end('{}');
    });
  } else {
    server = net.createServer((socket) => {
      socket.on('data', () => socket.end('SSH-2.0-OpenSSH_9.0 not http at all\r\n\r\n'));
    });
  }
  server.on('connection', (socket: net.Socket) => {
    connections++;
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const scheme = kind === 'not-http' ? 'http' : 'https';
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    connections: () => connections,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        (server as http.Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

describe.each([
  ['self-signed', /TLS certificate of 127\.0\.0\.1:\d+ is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/],
  ['plain-http', /TLS handshake with 127\.0\.0\.1:\d+ failed \((EPROTO|ERR_SSL_\w+)\)/],
  ['not-http', /is not valid HTTP \(HPE_\w+\)/],
] as const)('a %s server', (kind, message) => {
  test('fails at once as a config error that says what is wrong, never retried', async () => {
    const s = await serve(kind);
    const limiters = new LimiterRegistry();
    const client = new IncidentIoClient(
      { api_key: KEY, base_url: s.url },
      { limiters, http: { maxRetries: 5, backoffBaseMs: 10, timeoutMs: 2_000 } }
    );
    try {
      const err = await client.get('/v1/identity').then(
        () => undefined,
        (e: unknown) => e
      );
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ failureType: 'config', retryable: false });
      expect((err as Error).message).toMatch(message);
      // One attempt: the retry budget (5) was not spent on it.
      expect(s.connections()).toBe(1);
      if (kind !== 'plain-http') expect(s.requests()).toBe(0);
    } finally {
      client.close();
      await limiters.close();
      await s.close();
    }
  });
});

test('`check` against a self-signed server: exit 1 at once with the reason, nothing sent', async () => {
  const s = await serve('self-signed');
  try {
    const r = await runCli(['check'], {
      env: {
        ...FAST_HTTP_ENV,
        INCIDENT_IO_CONNECTOR_MAX_RETRIES: '8',
        INCIDENT_IO_API_KEY: KEY,
        INCIDENT_IO_BASE_URL: s.url,
      },
    });
    expect(r.code).toBe(1);
    const probe = JSON.parse(r.stdout) as { ok: boolean; retryable: boolean; message: string };
    expect(probe).toMatchObject({ ok: false, failure: 'unreachable', retryable: false });
    expect(probe.message).toMatch(/self-signed/);
    expect(r.stderr).not.toMatch(/retrying/);
    expect(s.connections()).toBe(1);
    expect(s.requests()).toBe(0);
  } finally {
    await s.close();
  }
});
