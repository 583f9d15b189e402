// Sending prepared records: a record that would create what an earlier record of the run creates
// waits for it and reports its object (claims), a dry run sends nothing and says what it would send,
// and a create without an idempotency key is looked up again before it is ever sent twice (rechecks).
import type { WriteResult } from '../contract';
import { ApiError, CancelledError, toConnectorError } from '../errors';
import type { IncidentIoClient } from '../http/client';
import { sleep } from '../util/clock';
import type { ActionDefinition } from './actions';
import type { ActionContext, PreparedRecord } from './actions/types';
import { errorResult } from './results';

/** Sends of a create without an idempotency key, each after a lookup shows it did not land. */
const RECHECKS = 3;

/** Sends the prepared records of one run; one sender per run (its claims are the run's). */
export function recordSender(
  client: IncidentIoClient,
  action: ActionDefinition,
  actx: ActionContext
): (pr: PreparedRecord) => Promise<WriteResult> {
  const signal = actx.signal;
  const claims = new Map<string, Promise<WriteResult>>();
  return async (pr: PreparedRecord): Promise<WriteResult> => {
    if ('result' in pr) return pr.result;
    const { index, prepared } = pr;
    const dry = actx.dryRun ? ({ dryRun: true } as const) : {};
    if ('done' in prepared) return { type: 'result', index, status: 'ok', ...prepared.done, ...dry };
    if (prepared.claim !== undefined) {
      const earlier = claims.get(prepared.claim);
      if (earlier) {
        const first = await earlier;
        if (first.status === 'ok') {
          return { type: 'result', index, status: 'ok', id: first.id, outcome: 'existing', ...dry };
        }
      }
    }
    const { request } = prepared;
    if (actx.dryRun) {
      const result: WriteResult = {
        type: 'result',
        index,
        status: 'ok',
        id: prepared.targetId ?? '',
        outcome: prepared.targetId ? 'updated' : 'created',
        dryRun: true,
        request: {
          method: request.method,
          path: request.path,
          ...(request.body !== undefined ? { body: request.body } : {}),
        },
      };
      if (prepared.claim !== undefined) claims.set(prepared.claim, Promise.resolve(result));
      return result;
    }
    const attempt = (async (): Promise<WriteResult> => {
      for (let tries = 1; ; tries++) {
        try {
          const { data } = await client.request({
            idempotent: action.idempotent,
            ...request,
            signal,
          });
          return { type: 'result', index, status: 'ok', ...prepared.interpret(data) };
        } catch (e) {
          const err = toConnectorError(e);
          // A create without an idempotency key is never simply sent again: look first.
          if (prepared.recheck && err.retryable && !(err instanceof CancelledError) && tries < RECHECKS) {
            try {
              await sleep(100 * tries, signal);
              const found = await prepared.recheck();
              if (found) return { type: 'result', index, status: 'ok', ...found };
              continue;
            } catch (again) {
              return errorResult(index, again);
            }
          }
          const result = errorResult(index, e);
          const better = e instanceof ApiError ? prepared.explainError?.(e) : undefined;
          return better && result.status === 'failed' ? { ...result, message: better } : result;
        }
      }
    })();
    if (prepared.claim !== undefined) {
      attempt.catch(() => undefined);
      claims.set(prepared.claim, attempt);
    }
    return attempt;
  };
}
