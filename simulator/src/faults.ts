// Fault injection: a list of armed faults, each matching a route (or any), skipping `after` matching
// requests, then firing on `count` of them. The server decides how each kind is acted out.

export const FAULT_KINDS = [
  '429',
  '500',
  '502',
  '503',
  '504',
  'reset',
  'hang',
  'trickle',
  'truncate',
  'malformed_json',
  'html',
  'repeat_cursor',
  'foreign_cursor',
  'revoke_key',
  'forbid',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  route?: string;
  after?: number;
  count?: number;
  kind: FaultKind;
  /**
   * How a 429 says when to come back: a Retry-After header in seconds or as an HTTP date, 'none' (no
   * header; the body's rate_limit.retry_after still says) or 'no-hint' (neither header nor body hint).
   */
  retryAfter?: 'seconds' | 'http-date' | 'none' | 'no-hint';
  retryAfterSeconds?: number;
}

/** Kinds that only make sense on a request that carries a pagination cursor. */
const CURSOR_KINDS: ReadonlySet<FaultKind> = new Set(['repeat_cursor', 'foreign_cursor']);

interface Armed {
  spec: FaultSpec;
  skip: number;
  left: number;
}

export class FaultBook {
  private armed: Armed[] = [];
  /** Routes a 'forbid' fault closed: 403 from then on, until clear(). */
  private readonly forbidden = new Set<string>();

  add(input: unknown): void {
    const spec = parseFault(input);
    this.armed.push({ spec, skip: spec.after ?? 0, left: spec.count ?? 1 });
  }

  /** Disarms every fault and lifts the lasting effect of 'forbid' (a revoked key stays revoked). */
  clear(): void {
    this.armed = [];
    this.forbidden.clear();
  }

  forbid(route: string): void {
    this.forbidden.add(route);
  }

  isForbidden(route: string): boolean {
    return this.forbidden.has(route);
  }

  /**
   * The fault to apply to this request, if any. Every matching fault counts the request towards its
   * `after`; only the first one that is due fires (and spends one of its `count`).
   */
  take(route: string, hasCursor: boolean): FaultSpec | undefined {
    let fired: FaultSpec | undefined;
    for (const a of this.armed) {
      if (a.spec.route !== undefined && a.spec.route !== route) continue;
      if (CURSOR_KINDS.has(a.spec.kind) && !hasCursor) continue;
      if (a.skip > 0) {
        a.skip--;
        continue;
      }
      if (!fired && a.left > 0) {
        a.left--;
        fired = a.spec;
      }
    }
    this.armed = this.armed.filter((a) => a.left > 0);
    return fired;
  }
}

/** Validates a FaultSpec (also when it arrives as JSON over /_sim/faults, where count may be "Infinity"). */
export function parseFault(input: unknown): FaultSpec {
  if (!input || typeof input !== 'object') throw new TypeError('fault must be an object');
  const f = { ...(input as Record<string, unknown>) };
  if (!FAULT_KINDS.includes(f.kind as FaultKind)) {
    throw new TypeError(`fault kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  if (f.count === 'Infinity' || f.count === null) f.count = Infinity;
  for (const k of ['after', 'count', 'retryAfterSeconds'] as const) {
    if (f[k] !== undefined && !(typeof f[k] === 'number' && (f[k] as number) >= 0)) {
      throw new TypeError(`fault ${k} must be a number >= 0`);
    }
  }
  if (f.route !== undefined && (typeof f.route !== 'string' || !/^[A-Z]+ \//.test(f.route))) {
    throw new TypeError('fault route must look like "GET /v2/incidents"');
  }
  if (
    f.retryAfter !== undefined &&
    !['seconds', 'http-date', 'none', 'no-hint'].includes(f.retryAfter as string)
  ) {
    throw new TypeError("fault retryAfter must be 'seconds', 'http-date', 'none' or 'no-hint'");
  }
  return f as unknown as FaultSpec;
}
