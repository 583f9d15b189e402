/** RFC 3339 without the milliseconds when they are zero (the API's own examples have none). */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** Parses timestamps with and without fractional seconds; undefined for anything else. */
export function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The later of two timestamps as given (unparsable ones lose); undefined when neither parses. */
export function laterTimestamp(a: string | undefined, b: string | undefined): string | undefined {
  const ta = parseTimestamp(a);
  const tb = parseTimestamp(b);
  if (ta === undefined) return tb === undefined ? undefined : b;
  if (tb === undefined) return a;
  return tb > ta ? b : a;
}

/** The earlier of two timestamps as given (an unparsable one is ignored). */
export function earlierTimestamp(a: string | undefined, b: string | undefined): string | undefined {
  const ta = parseTimestamp(a);
  const tb = parseTimestamp(b);
  if (ta === undefined || tb === undefined) return ta === undefined ? b : a;
  return tb < ta ? b : a;
}
