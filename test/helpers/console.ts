// The web console in this process against the in-process simulator, with a fresh credential store, a
// log kept in memory, and fast retries; plus a raw HTTP client that sets any header (Host, Origin,
// Cookie), which browsers and fetch() refuse to forge.
import http from 'node:http';
import type { ConnectorContext, Logger } from '../../src/contract';
import { LimiterRegistry } from '../../src/http/limiter';
import { startConsole, type ConsoleServer } from '../../src/host/console/server';
import { CredentialStore } from '../../src/host/credential-store';
import { loadPlugin } from '../../src/host/loader';
import { Redactor } from '../../src/host/redact';
import { PACKAGE_ROOT } from '../../src/validation';

export interface TestConsole {
  console: ConsoleServer;
  store: CredentialStore;
  /** Every line the console and the plugin logged. */
  log: string[];
  close(): Promise<void>;
}

export async function startTestConsole(
  storeDir: string,
  extra: Partial<ConnectorContext> = {}
): Promise<TestConsole> {
  const log: string[] = [];
  const redactor = new Redactor();
  const limiters = new LimiterRegistry();
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    log.push(redactor.redact(`[${level}] ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`));
  const logger: Logger = {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  };
  const store = new CredentialStore(storeDir);
  const server = await startConsole({
    loaded: loadPlugin(PACKAGE_ROOT),
    store,
    redactor,
    limiters,
    context: (more) => ({
      logger,
      limiters,
      http: { maxRetries: 2, backoffBaseMs: 10, backoffMaxMs: 50 },
      ...extra,
      ...more,
    }),
    log: (l) => log.push(l),
  });
  return {
    console: server,
    store,
    log,
    close: async () => {
      await server.close();
      await limiters.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly these headers (no defaults but Host). */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: { host: `127.0.0.1:${port}`, ...headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          })
        );
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Exchanges the one-time token for a session: the cookie header to send, and the CSRF token. */
export async function login(c: ConsoleServer): Promise<{ cookie: string; csrf: string }> {
  const url = new URL(c.loginUrl);
  const res = await rawRequest(c.port, 'GET', `${url.pathname}${url.search}`);
  if (res.status !== 303) throw new Error(`login answered ${res.status}: ${res.body}`);
  const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0];
  const session = await rawRequest(c.port, 'GET', '/api/session', { cookie });
  return { cookie, csrf: (JSON.parse(session.body) as { csrfToken: string }).csrfToken };
}
