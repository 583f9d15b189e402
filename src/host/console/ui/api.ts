// The console API from the page: same-origin fetches with the session cookie, and the CSRF token (read
// once from GET /api/session) on every request that changes something.
import { CSRF_HEADER, type ApiErrorBody, type SessionInfo } from '../api-types';

/** A failed API call, with the server's failure type, message and field problems. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly detail: ApiErrorBody['error']
  ) {
    super(detail.message);
  }
}

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const detail = (body as ApiErrorBody | undefined)?.error ?? {
      failureType: 'system',
      message: text.trim() || `the console answered ${res.status}`,
    };
    throw new ApiFailure(res.status, detail);
  }
  return body as T;
}

export async function get<T>(path: string): Promise<T> {
  return answer<T>(await fetch(path, { credentials: 'same-origin' }));
}

let csrf: Promise<string> | undefined;
function csrfToken(): Promise<string> {
  // A failed attempt is not kept: the next request asks again.
  csrf ??= get<SessionInfo>('/api/session').then(
    (s) => s.csrfToken,
    (e: unknown) => {
      csrf = undefined;
      throw e;
    }
  );
  return csrf;
}

export async function send<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', [CSRF_HEADER]: await csrfToken() },
    body: JSON.stringify(body ?? {}),
  });
  return answer<T>(res);
}

/** A message for the page from anything thrown. */
export function describe(e: unknown): string {
  if (e instanceof ApiFailure) {
    const problems = e.detail.problems?.map((p) => `${p.field} ${p.reason}`).join('; ');
    return `${e.detail.failureType}: ${problems || e.message}${e.detail.requestId ? ` (request_id ${e.detail.requestId})` : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}
