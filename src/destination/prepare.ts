// Each input record on its way to a request: size limits, the dead-letter field dropped, mapping,
// validation against the action's input schema, then the action's prepare() (names, lookups, keys).
// A record that fails any of these is rejected here, and nothing is sent for it.
import { CancelledError, FieldProblem } from '../errors';
import { toProblems, validatorFor } from '../validation';
import type { ActionDefinition } from './actions';
import type { ActionContext, PreparedRecord } from './actions/types';
import type { DestinationConfig } from './config';
import type { Mapping } from './mapping';
import { errorResult, rejected } from './results';
import { recordProblems } from './size-limits';

/**
 * Reserved record field: the dead-letter file puts each record's reason here. It is ignored on input,
 * so a dead-letter line can be fixed and fed back as it is (and hashes like the original record).
 */
export const DEAD_LETTER_FIELD = '_dead_letter';

/** Prepares the records of one run, one call per record (concurrently, any order). */
export function recordPreparer(
  action: ActionDefinition,
  config: DestinationConfig,
  mapping: Mapping | undefined,
  actx: ActionContext
): (raw: unknown, index: number) => Promise<PreparedRecord> {
  const validate = validatorFor(action.input);
  return async (raw: unknown, index: number): Promise<PreparedRecord> => {
    if (actx.signal?.aborted) throw new CancelledError();
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      return { index, result: rejected(index, [{ field: '/', reason: 'must be a JSON object' }]) };
    }
    // Before anything copies or walks the record: too deep a record would overflow the stack.
    const limits = recordProblems(raw, { maxDepth: config.max_depth }).filter(
      (p) => p.field !== `/${DEAD_LETTER_FIELD}` && !p.field.startsWith(`/${DEAD_LETTER_FIELD}/`)
    );
    if (limits.length > 0) return { index, result: rejected(index, limits) };
    const record = { ...(raw as Record<string, unknown>) };
    delete record[DEAD_LETTER_FIELD];
    let input: Record<string, unknown>;
    let mappingProblems: FieldProblem[] = [];
    if (mapping) {
      ({ input, problems: mappingProblems } = mapping.apply(record));
    } else {
      input = structuredClone(record);
    }
    // The idempotency basis: the input as mapped, before schema defaults are filled in.
    const basis = structuredClone(input);
    if (!validate(input) || mappingProblems.length > 0) {
      const fromTemplates = new Set(mappingProblems.map((p) => p.field));
      const problems = [
        ...mappingProblems,
        ...toProblems(validate.errors)
          .filter((p) => !fromTemplates.has(p.field))
          .map((p) => explain(p, mapping)),
      ];
      return { index, result: rejected(index, problems) };
    }
    try {
      return { index, input, prepared: await action.prepare(input, basis, actx) };
    } catch (e) {
      return { index, result: errorResult(index, e) };
    }
  };
}

/** "is required" for a mapped field says where the mapping looked. */
function explain(p: FieldProblem, mapping: Mapping | undefined): FieldProblem {
  const source = mapping?.sourceOf(p.field);
  if (!source || p.reason !== 'is required') return p;
  return { field: p.field, reason: `is required (mapped from ${source}, which the record does not have)` };
}
