// A real HTTP server on 127.0.0.1:0 for the HTTP-layer tests: each test scripts the replies, and the
// server records every request (arrival time, method, path, headers, body) so tests can assert counts
// and orderings instead of mocking our own code. close() also ends kept-alive and hanging sockets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** 0-based arrival order on this server. */
  index: number;
  /** Date.now() when the request line and headers arrived. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string, as sent. */
  url: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Reply =
  | {
      status?: number;
      headers?: Record<string, string | number>;
      /** Serialized with JSON.stringify, with Content-Type application/json. */
      json?: unknown;
      /** Sent as is (Content-Type defaults to text/plain unless headers say otherwise). */
      body?: string | Buffer;
      /** Sends the head and the body, then destroys the socket instead of ending the response. */
      cut?: boolean;
    }
  /** Destroys the socket without an answer (the client sees ECONNRESET / socket hang up). */
  | 'reset'
  /** Never answers; the socket stays open until the client gives up or the server closes. */
  | 'hang';

export type Handler = (req: RecordedRequest) => Reply | Promise<Reply>;

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Replaces the handler used once the scripted replies are used up. */
  handle(handler: Handler): void;
  /** Queues replies that are used, in order, by the next requests (before the handler). */
  script(...replies: Reply[]): void;
  /** Requests seen, optionally only those whose path starts with `prefix`. */
  count(prefix?: string): number;
  close(): Promise<void>;
}

const defaultHandler: Handler = () => ({ status: 200, json: { ok: true } });

function send(res: http.ServerResponse, reply: Reply): void {
  if (reply === 'reset') {
    res.socket?.destroy();
    return;
  }
  if (reply === 'hang') return;
  const headers: Record<string, string | number> = { ...(reply.headers ?? {}) };
  let payload: string | Buffer = '';
  if (reply.json !== undefined) {
    payload = JSON.stringify(reply.json);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
  } else if (reply.body !== undefined) {
    payload = reply.body;
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'text/plain';
    }
  }
  res.writeHead(reply.status ?? 200, headers);
  if (reply.cut) {
    res.write(payload, () => setTimeout(() => res.socket?.destroy(), 10));
    return;
  }
  res.end(payload);
}

export async function startServer(handler: Handler = defaultHandler): Promise<LocalServer> {
  let current = handler;
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const at = Date.now();
    const url = req.url ?? '/';
    const parsed = new URL(url, 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        index: requests.length,
        at,
        method: req.method ?? 'GET',
        path: parsed.pathname,
        url,
        query: parsed.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      const scripted = queue.shift();
      Promise.resolve(scripted ?? current(recorded)).then(
        (reply) => send(res, reply),
        (e: unknown) => send(res, { status: 599, body: `test handler failed: ${String(e)}` })
      );
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    handle(h) {
      current = h;
    },
    script(...replies) {
      queue.push(...replies);
    },
    count(prefix) {
      return prefix === undefined
        ? requests.length
        : requests.filter((r) => r.path.startsWith(prefix)).length;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An incident.io-shaped error body. */
export function apiErrorBody(
  status: number,
  type: string,
  code: string,
  message: string,
  extra: Record<string, unknown> = {}
): Record<string, unknown> {
  return { type, status, request_id: `req-${status}-${code}`, errors: [{ code, message }], ...extra };
}

/** Waits until `predicate` holds (polling), failing after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5_000,
  what = 'condition'
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
