// Plain HTTP calls to a simulator, as any client would make them (the simulator's own tests).
import type { Simulator } from '../../simulator/src';

export interface Res {
  status: number;
  headers: Headers;
  body: any;
}

/** A request with the simulator's key (another with `key`, none with `key: null`); JSON bodies parsed. */
export async function call(
  sim: Simulator,
  pathAndQuery: string,
  init: RequestInit & { key?: string | null } = {}
): Promise<Res> {
  const { key = sim.apiKey, ...rest } = init;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(sim.url + pathAndQuery, { ...rest, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // left as text: some faults send non-JSON on purpose
  }
  return { status: res.status, headers: res.headers, body };
}

export const post = (sim: Simulator, p: string, body: unknown, key?: string | null): Promise<Res> =>
  call(sim, p, { method: 'POST', body: JSON.stringify(body), key });

export const put = (sim: Simulator, p: string, body: unknown): Promise<Res> =>
  call(sim, p, { method: 'PUT', body: JSON.stringify(body) });
