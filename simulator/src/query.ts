// Query strings as incident.io reads them (spec list parameters): `x=v`, or bracket filters `x[op]=v` and
// `x[id][op]=v` with a key repeated for several values. Timestamps with or without fractional seconds.

export type QueryValue = string | string[] | QueryObject;
export interface QueryObject {
  [key: string]: QueryValue;
}

/**
 * Parses a raw query string. Plain keys give a string (an array when repeated); bracket keys give
 * nested objects whose leaves are always arrays, ready to validate against the spec's object params.
 * Empty plain values are dropped (the spec sets allowEmptyValue). A key mixing both forms is reported.
 */
export function parseQuery(search: string): { query: QueryObject; conflicts: string[] } {
  const query: QueryObject = {};
  const conflicts: string[] = [];
  for (const [rawKey, value] of new URLSearchParams(search)) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])+)$/.exec(rawKey);
    if (!m) {
      if (value === '') continue;
      const prev = query[rawKey];
      if (prev === undefined) query[rawKey] = value;
      else if (typeof prev === 'string') query[rawKey] = [prev, value];
      else if (Array.isArray(prev)) prev.push(value);
      else conflicts.push(rawKey);
      continue;
    }
    const path = [m[1], ...[...m[2].matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1])];
    let node: QueryObject = query;
    let ok = true;
    for (const seg of path.slice(0, -1)) {
      const next = node[seg] ?? {};
      if (typeof next !== 'object' || Array.isArray(next)) {
        ok = false;
        break;
      }
      node[seg] = next;
      node = next;
    }
    const leaf = path[path.length - 1];
    const existing = ok ? node[leaf] : undefined;
    if (!ok || (existing !== undefined && !Array.isArray(existing))) {
      conflicts.push(m[1]);
      continue;
    }
    node[leaf] = [...(existing ?? []), value];
  }
  return { query, conflicts };
}

const TIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses `2024-05-01` (midnight UTC) or RFC 3339 with or without fractional seconds into microseconds
 * since the epoch. Undefined when unparsable.
 */
export function parseTimeUs(text: string): number | undefined {
  const m = TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz = 'Z'] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== +d || check.getUTCMonth() !== +mo - 1 || +h > 23) {
    return undefined;
  }
  let offsetMin = 0;
  if (tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    offsetMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
  }
  const micros = Number((frac + '000000').slice(0, 6));
  return (ms - offsetMin * 60_000) * 1000 + micros;
}

/** RFC 3339 in UTC: six fractional digits, or none for a whole second (the API sends both shapes). */
export function formatTimeUs(us: number): string {
  const seconds = new Date(Math.floor(us / 1000)).toISOString().slice(0, 19);
  const micros = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  return micros === 0 ? seconds + 'Z' : `${seconds}.${String(micros).padStart(6, '0')}Z`;
}
