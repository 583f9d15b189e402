// The web console: an HTTP server on 127.0.0.1 that serves the built UI (dist/console) and the JSON
// API (api.ts) behind the gate in security.ts. `incident-io-connector console` starts it.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { ConnectorContext } from '../../contract';
import { ConnectorError } from '../../errors';
import type { LimiterRegistry } from '../../http/limiter';
import { PACKAGE_ROOT } from '../../validation';
import type { CredentialStore } from '../credential-store';
import type { LoadedPlugin } from '../loader';
import type { Redactor } from '../redact';
import { ConsoleApp, handleApi } from './api';
import { ConsoleHistory } from './history';
import { errorAnswer, sendJson } from './http-io';
import { RunManager } from './runs';
import { ConsoleGate, SECURITY_HEADERS, sendForbidden } from './security';

export interface ConsoleOptions {
  loaded: LoadedPlugin;
  store: CredentialStore;
  /** 0 or absent: a free port. */
  port?: number;
  redactor: Redactor;
  /** The limiters the plugin's clients use (the console counts each run's rate-limit waits on them). */
  limiters: LimiterRegistry;
  /** The runtime's context for every plugin call (logger, limiters, HTTP and rate-limit options). */
  context(extra?: Partial<ConnectorContext>): ConnectorContext;
  /** The server's log (already redacted lines, without a trailing newline). */
  log(line: string): void;
  /** Where the built UI is (default: dist/console of this package). */
  uiDir?: string;
}

export interface ConsoleServer {
  /** The URL to open once: the console's address with its one-time token. */
  loginUrl: string;
  origin: string;
  port: number;
  /** The HTTP server itself (tests tap every byte it answers). */
  server: http.Server;
  close(): Promise<void>;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

function serveStatic(res: http.ServerResponse, uiDir: string, pathname: string): boolean {
  const name = pathname === '/' ? 'index.html' : pathname.startsWith('/assets/') ? pathname.slice(8) : '';
  const type = STATIC_TYPES[path.extname(name)];
  if (!ASSET_NAME.test(name) || !type) return false;
  const file = path.join(uiDir, name);
  if (!fs.existsSync(file)) {
    if (name !== 'index.html') return false;
    throw new ConnectorError(
      'system',
      `the console's UI is not built (${uiDir} is missing): run npm run build`
    );
  }
  const body = fs.readFileSync(file);
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': body.length });
  res.end(body);
  return true;
}

export async function startConsole(opts: ConsoleOptions): Promise<ConsoleServer> {
  const uiDir = opts.uiDir ?? path.join(PACKAGE_ROOT, 'dist', 'console');
  const log = (line: string) => opts.log(opts.redactor.redact(line));
  const history = new ConsoleHistory(opts.store.dir);
  const runs = new RunManager({
    plugin: opts.loaded.plugin,
    history,
    redactor: opts.redactor,
    limiters: opts.limiters,
    context: opts.context,
    log,
  });
  const app: ConsoleApp = {
    loaded: opts.loaded,
    store: opts.store,
    history,
    runs,
    redactor: opts.redactor,
    schemas: new Map(),
    context: opts.context,
    log,
  };
  let gate: ConsoleGate | undefined;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const g = gate!;
    const url = new URL(req.url ?? '/', g.origin);
    const verdict = g.check(req, url);
    if (verdict.ok === false) {
      log(`refused ${req.method} ${url.pathname}: ${verdict.reason}`);
      return sendForbidden(res, verdict.reason);
    }
    if (verdict.ok === 'redirect') {
      log('a browser opened the console; its one-time token is now spent');
      res.writeHead(303, { ...SECURITY_HEADERS, Location: verdict.location, 'Set-Cookie': verdict.cookie });
      res.end();
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS);
      res.end();
      return;
    }
    try {
      const answered = url.pathname.startsWith('/api/')
        ? await handleApi(app, req, res, url.pathname, verdict.session.csrf)
        : (req.method === 'GET' || req.method === 'HEAD') && serveStatic(res, uiDir, url.pathname);
      if (!answered)
        sendJson(res, 404, { error: { failureType: 'config', message: 'not found' } }, opts.redactor);
    } catch (e) {
      const { status, body } = errorAnswer(e);
      if (status >= 500) log(`${req.method} ${url.pathname} failed: ${body.error.message}`);
      if (res.headersSent) res.destroy();
      else sendJson(res, status, body, opts.redactor);
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`${req.method} request failed: ${(e as Error).message}`);
      res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  gate = new ConsoleGate(port);
  return {
    loginUrl: gate.loginUrl(),
    origin: gate.origin,
    port,
    server,
    close: async () => {
      await runs.cancelAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
