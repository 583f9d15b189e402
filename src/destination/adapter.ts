// The destination adapter: one result per input record, in input order, written concurrently within
// the key's limiter. Each record is mapped (destination config `mapping`), validated against the
// action's input schema, prepared (names resolved, lookups done, idempotency key derived) and sent.
// Invalid input is rejected before anything is sent; API refusals are failed results with the API's
// status, code and request_id. in = ok + rejected + failed, always. A dry run sends no write.
import type {
  ConnectorContext,
  Credential,
  DestinationAdapter,
  WriteOptions,
  WriteResult,
} from '../contract';
import { ConfigError } from '../errors';
import { IncidentIoClient } from '../http/client';
import { silentLogger } from '../logger';
import { mapOrdered } from '../util/ordered-pool';
import { runSignal } from '../util/signals';
import { ActionDefinition, findAction } from './actions';
import type { ActionContext, PreparedRecord } from './actions/types';
import { DestinationConfig, validateDestinationConfig } from './config';
import { Mapping } from './mapping';
import { NameResolver } from './names';
import { recordPreparer } from './prepare';
import { RunCache } from './run-cache';
import { recordSender } from './send';

export { DEAD_LETTER_FIELD } from './prepare';

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
    const prepareOne = recordPreparer(this.action, this.config, this.mapping, actx);
    const send = recordSender(this.client, this.action, actx);

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
