// Building the three kinds of result: ok, rejected (nothing sent) and failed (the API said no).
import type { WriteResult } from '../contract';
import { BadRecordError, CancelledError, FieldProblem, toConnectorError } from '../errors';

export function rejected(index: number, problems: FieldProblem[]): WriteResult {
  return {
    type: 'result',
    index,
    status: 'rejected',
    problems,
    message: problems.map((p) => `${p.field} ${p.reason}`).join('; '),
  };
}

/** The result for an error thrown while preparing or sending one record; rethrows a cancellation. */
export function errorResult(index: number, e: unknown): WriteResult {
  const err = toConnectorError(e);
  if (err instanceof CancelledError) throw err;
  if (err instanceof BadRecordError) return rejected(index, err.problems);
  return {
    type: 'result',
    index,
    status: 'failed',
    message: err.message,
    failureType: err.failureType,
    ...(err.status !== undefined ? { httpStatus: err.status } : {}),
    ...(err.code ? { code: err.code } : {}),
    ...(err.requestId ? { requestId: err.requestId } : {}),
  };
}
