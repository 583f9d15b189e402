// How many requests one key keeps in flight. By Little's law, sending at the refill rate while each
// request takes a round trip needs rate × round trip of them in flight; the tokens already in the
// bucket can all go out at once on top of that. A cap bounds sockets and response bodies held.

/** Requests in flight per key at most, unless the credential or the runtime says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT = 48;

/** Round trip assumed before the first answer: incident.io from another region. */
export const ASSUMED_ROUND_TRIP_MS = 250;

/**
 * Headroom over Little's law: round trips vary (jitter, big pages, a busy event loop between an answer
 * and the next request), and a spare request in flight costs a queued slot while a missing one leaves
 * budget unused.
 */
const HEADROOM = 2;

export interface InFlightInputs {
  /** Tokens in the key's bucket now. */
  tokens: number;
  refillPerSecond: number;
  /** Typical round trip of recent requests (ms); undefined before the first answer. */
  roundTripMs?: number;
  /** The most requests in flight allowed. */
  cap: number;
}

/** The number of requests the key should have in flight now: at least 1, at most `cap`. */
export function inFlightTarget(i: InFlightInputs): number {
  const roundTrip = (i.roundTripMs ?? ASSUMED_ROUND_TRIP_MS) / 1000;
  const steady = Math.ceil(i.refillPerSecond * roundTrip * HEADROOM);
  const target = steady + Math.max(0, Math.floor(i.tokens));
  return Math.max(1, Math.min(Math.floor(i.cap), target));
}

/** Response bodies one stream may hold in flight for each request slot of the cap (bytes, about). */
export const IN_FLIGHT_BYTES_PER_SLOT = 1024 * 1024;

/**
 * The in-flight byte bound for the key, scaled with its cap: 48 MiB at the default cap and a round
 * trip of 250 ms. Streams split it, so a stream of heavy pages (incidents, over a megabyte each) takes
 * its share of the requests in flight and leaves the rest to the others.
 *
 * A body holds memory from its arrival until its records are out, not while its request waits. At a
 * long round trip the pages arrive spread out; at a short one they arrive back to back and wait for
 * the parser, so more in flight buys no speed, only memory (1,000,000 incidents read locally: 189 MB
 * peak with 11 pages of incidents in flight, 164 MB and faster with 2). The bound therefore follows
 * the round trip, down to a quarter.
 */
export function inFlightBytes(cap: number, roundTripMs = ASSUMED_ROUND_TRIP_MS): number {
  const scale = Math.min(1, Math.max(0.25, roundTripMs / ASSUMED_ROUND_TRIP_MS));
  return Math.floor(Math.max(1, Math.floor(cap)) * IN_FLIGHT_BYTES_PER_SLOT * scale);
}
