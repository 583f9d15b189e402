// Deterministic randomness and ULID-like ids. Ids encode what they identify (an incident's index and
// its created_at), so a cursor decodes to a position in O(1) and no id table is kept in memory.

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CROCKFORD_VALUE = new Map([...CROCKFORD].map((c, i) => [c, i]));

/** 32-bit avalanche mix of up to three integers (murmur3 finaliser per step); hot, so fixed arity. */
export function mix(a: number, b = 0, c = 0): number {
  let h = 0x9e3779b9;
  h = step(h, a);
  h = step(h, b);
  return step(h, c) >>> 0;
}

function step(h: number, p: number): number {
  h = Math.imul(h ^ (p | 0), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ Math.floor(p / 0x100000000), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Stable 32-bit hash of a string, to derive salts such as "pattern" or "latency". */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export type Rng = () => number;

/** mulberry32: a tiny, fast PRNG; every draw in the simulator comes from one of these, never Math.random. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

export function encodeBase32(value: number, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[v % 32] + out;
    v = Math.floor(v / 32);
  }
  return out;
}

/** Decodes upper-case Crockford base32; undefined for any other character. */
export function decodeBase32(text: string): number | undefined {
  let v = 0;
  for (const c of text) {
    const d = CROCKFORD_VALUE.get(c);
    if (d === undefined) return undefined;
    v = v * 32 + d;
  }
  return v;
}

/**
 * A 26-character ULID-shaped id: 10 chars of milliseconds, 6 chars of namespace tag, 10 chars of
 * index. Sorting by id therefore sorts by time, as with real ULIDs.
 */
export function makeId(timeMs: number, tag: number, index: number): string {
  return encodeBase32(timeMs, 10) + encodeBase32(tag % 2 ** 30, 6) + encodeBase32(index, 10);
}

export interface DecodedId {
  timeMs: number;
  tag: number;
  index: number;
}

export function decodeId(id: string): DecodedId | undefined {
  if (id.length !== 26) return undefined;
  const timeMs = decodeBase32(id.slice(0, 10));
  const tag = decodeBase32(id.slice(10, 16));
  const index = decodeBase32(id.slice(16));
  if (timeMs === undefined || tag === undefined || index === undefined) return undefined;
  return { timeMs, tag, index };
}

/** Fixed-width lower-case hex from a PRNG (for keys and Slack-like ids). */
export function hex(rng: Rng, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(rng() * 16).toString(16);
  return out;
}
