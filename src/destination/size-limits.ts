// What a record may hold before it is mapped, validated, resolved or sent. A runaway value (a whole
// file pasted into a field, a broken export) or a record nested thousands of levels deep is rejected
// first: no incident.io field takes a megabyte of text or a structure that deep, and copying or
// walking such a record recursively (structuredClone, JSON.stringify, schema validation) overflows
// the call stack. One walk with an explicit stack, so the check itself cannot overflow.
import type { FieldProblem } from '../errors';
import { pointerSegment } from '../validation';

/** The longest string this destination sends in one field (characters). */
export const MAX_FIELD_CHARS = 1024 * 1024;

/** Containers nested in one record, by default (destination config `max_depth`). */
export const DEFAULT_MAX_DEPTH = 64;

export interface RecordLimits {
  maxFieldChars?: number;
  maxDepth?: number;
}

/**
 * Every string over the length limit, the first value nested deeper than the depth limit (its
 * children are not walked), and every number JSON cannot carry (Infinity, NaN: JSON.stringify would
 * send null), by JSON pointer; values are never quoted.
 */
export function recordProblems(record: unknown, limits: RecordLimits = {}): FieldProblem[] {
  const limit = limits.maxFieldChars ?? MAX_FIELD_CHARS;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const problems: FieldProblem[] = [];
  let tooDeep = false;
  const stack: Array<[unknown, string, number]> = [[record, '', 1]];
  while (stack.length > 0) {
    const [value, at, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > limit) {
        problems.push({
          field: at || '/',
          reason: `is ${value.length} characters long; a field sent to incident.io holds at most ${limit}`,
        });
      }
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) {
        problems.push({
          field: at || '/',
          reason: `is ${value}, which JSON cannot carry (it would be sent as null)`,
        });
      }
    } else if (value && typeof value === 'object') {
      if (depth > maxDepth) {
        if (!tooDeep) {
          tooDeep = true;
          problems.push({
            field: shortPointer(at),
            reason: `nests objects or lists more than ${maxDepth} levels deep (max_depth in the destination config)`,
          });
        }
        continue;
      }
      for (const [key, child] of Object.entries(value))
        stack.push([child, `${at}/${pointerSegment(key)}`, depth + 1]);
    }
  }
  return problems.reverse();
}

/** A pointer to a deeply nested value, cut down so that a message stays readable. */
function shortPointer(at: string): string {
  return at.length > 200 ? `${at.slice(0, 200)}…` : at || '/';
}

/** Every string in `record` longer than `limit`, by JSON pointer; the value itself is never quoted. */
export function oversizedFields(record: unknown, limit = MAX_FIELD_CHARS): FieldProblem[] {
  return recordProblems(record, { maxFieldChars: limit, maxDepth: Infinity }).filter((p) =>
    p.reason.includes('characters long')
  );
}
