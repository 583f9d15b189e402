// A runaway value (a whole file pasted into a field, a broken export) is rejected before it is mapped,
// validated, resolved or sent: no incident.io field takes a megabyte of text, and the record's other
// fields are not worth a request that can only fail.
import type { FieldProblem } from '../errors';
import { pointerSegment } from '../validation';

/** The longest string this destination sends in one field (characters). */
export const MAX_FIELD_CHARS = 1024 * 1024;

/** Every string in `record` longer than `limit`, by JSON pointer; the value itself is never quoted. */
export function oversizedFields(record: unknown, limit = MAX_FIELD_CHARS): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // A stack, not recursion: a deeply nested record must not overflow the call stack.
  const stack: Array<[unknown, string]> = [[record, '']];
  while (stack.length > 0) {
    const [value, at] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.length > limit) {
        problems.push({
          field: at || '/',
          reason: `is ${value.length} characters long; a field sent to incident.io holds at most ${limit}`,
        });
      }
    } else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) stack.push([child, `${at}/${pointerSegment(key)}`]);
    }
  }
  return problems.reverse();
}
