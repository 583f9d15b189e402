// Which version of an object is newer: updated_at to the microsecond (incident.io stamps microseconds,
// and two changes within one millisecond must still be told apart, which Date.parse cannot).

/** Microseconds since the epoch of an RFC 3339 timestamp, with or without a fraction; else undefined. */
export function timestampMicros(value: unknown): bigint | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(value.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = (m[2] ?? '').slice(0, 6).padEnd(6, '0');
  return BigInt(ms) * 1000n + BigInt(fraction);
}

/** The version of a record: its updated_at, else (objects never updated) its created_at. */
export function versionOf(record: Record<string, unknown>): bigint | undefined {
  return timestampMicros(record.updated_at) ?? timestampMicros(record.created_at);
}
