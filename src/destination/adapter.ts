// The destination adapter: one result per input record, in input order, written concurrently within
// the key's limiter. Each record is mapped (destination config `mapping`), validated against the
// action's input schema, prepared (names resolved, lookups done, idempotency key derived) and sent.
// Invalid input is rejected before anything is sent; API refusals are failed results with the API's
// status, code and request_id. in = ok + rejected + failed, always. A dry run sends no write.
import type {
  ConnectorContext,
  Credential,
  DestinationAdapter,
  Logger,
  WriteOptions,
  WriteResult,
} from '../contract';
import { ApiError, CancelledError, ConfigError, FieldProblem, toConnectorError } from '../errors';
import { sleep } from '../util/clock';
import { IncidentIoClient } from '../http/client';
import { mapOrdered } from '../util/ordered-pool';
import { toProblems, validatorFor } from '../validation';
import { ActionDefinition, findAction } from './actions';
import type { ActionContext, PreparedRecord } from './actions/types';
import { DestinationConfig, validateDestinationConfig } from './config';
import { Mapping } from './mapping';
import { NameResolver } from './names';
import { errorResult, rejected } from './results';
import { RunCache } from './run-cache';
import { runSignal } from '../util/signals';
import { recordProblems } from './size-limits';

/**
 * Reserved record field: the dead-letter file puts each record's reason here. It is ignored on input,
 * so a dead-letter line can be fixed and fed back as it is (and hashes like the original record).
 */
export const DEAD_LETTER_FIELD = '_dead_letter';

/** Sends of a create without an idempotency key, each after a lookup shows it did not land. */
const RECHECKS = 3;

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export class IncidentIoDestination implements DestinationAdapter {
  /** Holds alert_source_token when given: never exposed. */
  private readonly config: DestinationConfig;
  private readonly action: ActionDefinition;
  private readonly client: IncidentIoClient;
  private readonly mapping?: Mapping;

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
    if (this.config.mapping) this.mapping = new Mapping(this.config.mapping);
    this.client = new IncidentIoClient(credential, ctx);
  }

  /** Records in flight: the config's number, else as many as the key should have in flight now. */
  private readonly concurrency = (): number =>
    this.config.concurrency ?? this.client.limiter.inFlightTarget();

  get limiter() {
    return this.client.limiter;
  }

  async *write(
    records: AsyncIterable<unknown> | Iterable<unknown>,
    opts: WriteOptions = {}
  ): AsyncGenerator<WriteResult> {
    if (!(opts.dryRun === true || this.config.dry_run)) return yield* this.results(records, opts);
    for await (const result of this.results(records, opts)) yield asDryRun(result);
  }

  private async *results(
    records: AsyncIterable<unknown> | Iterable<unknown>,
    opts: WriteOptions
  ): AsyncGenerator<WriteResult> {
    const cache = new RunCache();
    const signal = runSignal(opts.signal ?? this.ctx.signal);
    const actx: ActionContext = {
      client: this.client,
      names: new NameResolver(this.client, cache),
      cache,
      config: this.config,
      logger: this.ctx.logger ?? silentLogger,
      runStartedAt: Date.now(),
      dryRun: opts.dryRun === true || this.config.dry_run,
      signal,
    };
    const validate = validatorFor(this.action.input);
    const claims = new Map<string, Promise<WriteResult>>();

    const prepareOne = async (raw: unknown, index: number): Promise<PreparedRecord> => {
      if (signal?.aborted) throw new CancelledError();
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        return { index, result: rejected(index, [{ field: '/', reason: 'must be a JSON object' }]) };
      }
      // Before anything copies or walks the record: too deep a record would overflow the stack.
      const limits = recordProblems(raw, { maxDepth: this.config.max_depth }).filter(
        (p) => p.field !== `/${DEAD_LETTER_FIELD}` && !p.field.startsWith(`/${DEAD_LETTER_FIELD}/`)
      );
      if (limits.length > 0) return { index, result: rejected(index, limits) };
      const record = { ...(raw as Record<string, unknown>) };
      delete record[DEAD_LETTER_FIELD];
      let input: Record<string, unknown>;
      let mappingProblems: FieldProblem[] = [];
      if (this.mapping) {
        ({ input, problems: mappingProblems } = this.mapping.apply(record));
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
            .map((p) => this.explain(p)),
        ];
        return { index, result: rejected(index, problems) };
      }
      try {
        return { index, input, prepared: await this.action.prepare(input, basis, actx) };
      } catch (e) {
        return { index, result: errorResult(index, e) };
      }
    };

    const send = async (pr: PreparedRecord): Promise<WriteResult> => {
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
            const { data } = await this.client.request({
              idempotent: this.action.idempotent,
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

    // Batch mode (catalog): records are prepared concurrently, in order; the runner sends.
    const runner = this.action.batch?.(actx);
    if (runner) {
      yield* runner(mapOrdered(records, this.concurrency, prepareOne));
      return;
    }
    // Prepare and send overlap, up to `concurrency` records in flight, results in input order. Claims
    // are taken in input order (each record waits until the records before it have taken theirs), so
    // of several records that would create the same object, the first one in the input creates it.
    let claimTurn: Promise<void> = Promise.resolve();
    yield* mapOrdered(records, this.concurrency, async (raw, index) => {
      const previous = claimTurn;
      let done!: () => void;
      claimTurn = new Promise<void>((resolve) => (done = resolve));
      let pr: PreparedRecord;
      try {
        pr = await prepareOne(raw, index);
        await previous;
      } finally {
        done();
      }
      return send(pr);
    });
  }

  /** "is required" for a mapped field says where the mapping looked. */
  private explain(p: FieldProblem): FieldProblem {
    const source = this.mapping?.sourceOf(p.field);
    if (!source || p.reason !== 'is required') return p;
    return { field: p.field, reason: `is required (mapped from ${source}, which the record does not have)` };
  }

  close(): void {
    this.client.close();
  }
}

/**
 * A dry run's results in its own words: the actions say "created"/"updated" for what they would
 * send; here that becomes would_create (without an id: the object does not exist) or would_update.
 */
function asDryRun(result: WriteResult): WriteResult {
  if (result.status !== 'ok') return result;
  const { id, ...rest } = result;
  // A record that would repeat one this run would create has no id either.
  const known = id ? { id } : {};
  if (result.outcome === 'created') return { ...rest, outcome: 'would_create' };
  return { ...rest, ...known, outcome: result.outcome === 'updated' ? 'would_update' : result.outcome };
}
