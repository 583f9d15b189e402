// The destination adapter: one result per input record, in input order, written concurrently within
// the key's limiter. Invalid input is rejected before anything is sent; API refusals are failed
// results with the API's status, code and request_id. in = ok + rejected + failed, always.
import type {
  ConnectorContext,
  Credential,
  DestinationAdapter,
  WriteOptions,
  WriteResult,
} from '../contract';
import { ApiError, BadRecordError, CancelledError, ConfigError, toConnectorError } from '../errors';
import { IncidentIoClient } from '../http/client';
import { mapOrdered } from '../util/ordered-pool';
import { toProblems, validatorFor } from '../validation';
import { ActionDefinition, findAction } from './actions';
import { DestinationConfig, validateDestinationConfig } from './config';
import { NameResolver } from './names';

export class IncidentIoDestination implements DestinationAdapter {
  private readonly config: DestinationConfig;
  private readonly action: ActionDefinition;
  private readonly client: IncidentIoClient;

  constructor(
    credential: Credential,
    config: unknown,
    private readonly ctx: ConnectorContext = {}
  ) {
    this.config = validateDestinationConfig(config);
    const action = findAction(this.config.action);
    if (!action)
      throw new ConfigError('the destination config', [
        { field: '/action', reason: 'is not a known action' },
      ]);
    this.action = action;
    this.client = new IncidentIoClient(credential, ctx);
  }

  get limiter() {
    return this.client.limiter;
  }

  async *write(
    records: AsyncIterable<unknown> | Iterable<unknown>,
    opts: WriteOptions = {}
  ): AsyncGenerator<WriteResult> {
    const names = new NameResolver(this.client);
    const runStartedAt = Date.now();
    const signal = opts.signal ?? this.ctx.signal;
    const validate = validatorFor(this.action.input);
    yield* mapOrdered(records, this.config.concurrency, async (raw, index): Promise<WriteResult> => {
      if (signal?.aborted) throw new CancelledError();
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        return rejected(index, [{ field: '/', reason: 'must be a JSON object' }]);
      }
      const input = structuredClone(raw) as Record<string, unknown>;
      if (!validate(input)) return rejected(index, toProblems(validate.errors));
      try {
        const prepared = await this.action.prepare(input, raw, { client: this.client, names, runStartedAt });
        const { data } = await this.client.request({ ...prepared.request, signal });
        return { type: 'result', index, status: 'ok', ...prepared.interpret(data) };
      } catch (e) {
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
          ...(err instanceof ApiError && err.code ? { code: err.code } : {}),
          ...(err.requestId ? { requestId: err.requestId } : {}),
        };
      }
    });
  }

  close(): void {
    this.client.close();
  }
}

function rejected(index: number, problems: Array<{ field: string; reason: string }>): WriteResult {
  return {
    type: 'result',
    index,
    status: 'rejected',
    problems,
    message: problems.map((p) => `${p.field} ${p.reason}`).join('; '),
  };
}
