// A saved per-stream state is checked before a read uses it. Garbage (a string, a number, a cursor
// that is not a time) would otherwise be silently ignored — or, as a cursor nothing is newer than,
// silently give no record forever: it is dropped with a warning naming the stream, and the stream is
// read from the start (which loses nothing). A cursor in the future is refused: it would hide every
// record until that time, and it means the state or this machine's clock is wrong.
import type { Logger, StreamState } from '../contract';
import { ConfigError, type FieldProblem } from '../errors';
import { parseTimestamp } from '../util/time';

/** Clocks differ a little; a cursor further ahead than this is wrong, not skewed. */
const FUTURE_SLACK_MS = 60 * 60 * 1000;

const TIME_FIELDS = ['since', 'started_at', 'max_seen'] as const;

/** An RFC 3339 time as the connector saves them (Date.parse alone takes "5" for a year). */
function isTime(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) &&
    parseTimestamp(value) !== undefined
  );
}

/** Why `state` cannot be used (undefined when it can), for the stream's warning. */
function garbage(state: unknown): string | undefined {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    return `it is ${Array.isArray(state) ? 'a list' : state === null ? 'null' : `a ${typeof state}`}, not an object`;
  }
  const s = state as { cursor?: unknown; scan?: unknown; parent?: unknown };
  if (s.cursor !== undefined && !isTime(s.cursor)) {
    return 'its cursor is not a time';
  }
  if (s.scan !== undefined) {
    if (s.scan === null || typeof s.scan !== 'object' || Array.isArray(s.scan))
      return 'its scan is not an object';
    const scan = s.scan as Record<string, unknown>;
    for (const f of TIME_FIELDS) {
      if (scan[f] !== undefined && !isTime(scan[f])) return `its scan's ${f} is not a time`;
    }
  }
  return s.parent === undefined ? undefined : garbage(s.parent);
}

/** Cursors (the stream's and its parent's) later than now, by JSON pointer into the state. */
function futureCursors(state: unknown, now: number, at: string): FieldProblem[] {
  const s = state as { cursor?: string; parent?: unknown };
  const out: FieldProblem[] = [];
  const t = parseTimestamp(s.cursor);
  if (t !== undefined && t > now + FUTURE_SLACK_MS) {
    out.push({
      field: `${at}/cursor`,
      reason:
        `is ${s.cursor}, in the future: no record would be read until then. The state (or this ` +
        "machine's clock) is wrong: fix the clock, or remove the stream's state to read it again from the start",
    });
  }
  if (s.parent && typeof s.parent === 'object') out.push(...futureCursors(s.parent, now, `${at}/parent`));
  return out;
}

/**
 * The states to read from: garbage dropped with a warning. Throws a ConfigError naming every stream
 * whose cursor is in the future.
 */
export function checkStates(
  streams: string[],
  states: Record<string, StreamState> | undefined,
  logger: Logger | undefined,
  now = Date.now()
): Record<string, StreamState> {
  const out: Record<string, StreamState> = {};
  const problems: FieldProblem[] = [];
  for (const name of streams) {
    const state = states?.[name];
    if (state === undefined) continue;
    const why = garbage(state);
    if (why) {
      logger?.warn(
        `${name}: the saved state is not usable (${why}): ignored, reading ${name} from the start`
      );
      continue;
    }
    problems.push(...futureCursors(state, now, `/${name}`));
    out[name] = state;
  }
  if (problems.length > 0) throw new ConfigError('the saved state', problems);
  return out;
}
