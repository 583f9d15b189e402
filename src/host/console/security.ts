// Who may talk to the console. It listens on 127.0.0.1 only, and that is not enough: any web page the
// user opens can send requests to loopback, and a DNS-rebinding page can even read the answers. So:
//   - the printed URL carries a one-time token; its first use becomes an HttpOnly, SameSite=Strict
//     session cookie, and every request needs that session;
//   - a Host that is not the console's own address, or an Origin that is not its own origin, is 403
//     (a rebinding page has a foreign Host; a cross-site fetch has a foreign Origin);
//   - a state-changing request must also carry the session's CSRF token in a header, which only the
//     console's own pages can read (GET /api/session, same-origin).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../../errors';
import { CSRF_HEADER } from './api-types';

interface ConsoleSession {
  csrf: string;
}

export type GateResult =
  | { ok: true; session: ConsoleSession }
  | { ok: false; status: 403; reason: string }
  /** The token was exchanged: answer with this redirect (it sets the session cookie). */
  | { ok: 'redirect'; location: string; cookie: string };

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Security headers on every answer: a strict CSP (no inline script or style, no eval), no framing. */
export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function random(): string {
  return randomBytes(32).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class ConsoleGate {
  /** Undefined once it has been exchanged for a session. */
  private token: string | undefined = random();
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly host: string;
  readonly origin: string;
  /** Cookies are per host, not per port: the port in the name keeps two consoles apart. */
  private readonly cookieName: string;

  constructor(port: number) {
    this.host = `127.0.0.1:${port}`;
    this.origin = `http://${this.host}`;
    this.cookieName = `incident_io_console_${port}`;
  }

  /** The URL to print: the console's address with the one-time token. */
  loginUrl(): string {
    if (!this.token) throw new ConnectorError('system', "the console's one-time token was used already");
    return `${this.origin}/?token=${this.token}`;
  }

  check(req: IncomingMessage, url: URL): GateResult {
    if (req.headers.host !== this.host) {
      return { ok: false, status: 403, reason: 'this console only answers at its own address' };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.origin) {
      return { ok: false, status: 403, reason: 'requests from other origins are refused' };
    }
    if (req.headers['sec-fetch-site'] === 'cross-site') {
      return { ok: false, status: 403, reason: 'cross-site requests are refused' };
    }
    const given = url.searchParams.get('token');
    if (given !== null) return this.exchange(req, given);
    const id = cookieValue(req.headers.cookie, this.cookieName);
    const session = id ? this.sessions.get(id) : undefined;
    if (!session) {
      return {
        ok: false,
        status: 403,
        reason: 'no console session: open the URL the console printed when it started',
      };
    }
    if (!SAFE_METHODS.has(req.method ?? 'GET')) {
      const csrf = req.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !sameSecret(csrf, session.csrf)) {
        return { ok: false, status: 403, reason: 'missing or wrong CSRF token' };
      }
    }
    return { ok: true, session };
  }

  private exchange(req: IncomingMessage, given: string): GateResult {
    if (req.method !== 'GET' || !this.token || !sameSecret(given, this.token)) {
      return {
        ok: false,
        status: 403,
        reason: 'this token is wrong or was used already: restart the console for a new URL',
      };
    }
    this.token = undefined;
    const id = random();
    this.sessions.set(id, { csrf: random() });
    return {
      ok: 'redirect',
      // The token leaves the address bar (and the history) at once.
      location: '/',
      cookie: `${this.cookieName}=${id}; HttpOnly; SameSite=Strict; Path=/`,
    };
  }
}

export function sendForbidden(res: ServerResponse, reason: string): void {
  const body = `forbidden: ${reason}\n`;
  res.writeHead(403, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
