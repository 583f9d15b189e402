// The declarative shape of an action: its input schema, idempotency strategy and roles, plus the
// code that turns one validated input record into one API request (or into "nothing to do" when a
// lookup shows the object already exists).
import type { Logger, WriteOutcome, WriteResult } from '../../contract';
import type { ApiError } from '../../errors';
import type { IncidentIoClient, RequestOptions } from '../../http/client';
import type { DestinationConfig } from '../config';
import type { NameResolver } from '../names';
import type { RunCache } from '../run-cache';

export interface ActionContext {
  client: IncidentIoClient;
  names: NameResolver;
  /** Reads cached for this run (lookups before create). */
  cache: RunCache;
  config: DestinationConfig;
  logger: Logger;
  /** Wall-clock start of this write run (ms), used to tell replays from new objects. */
  runStartedAt: number;
  dryRun: boolean;
  signal?: AbortSignal;
}

export interface Outcome {
  id: string;
  outcome: WriteOutcome;
}

export interface PreparedRequest {
  request: RequestOptions;
  /** Reads the incident.io id and what happened from the 2xx body (undefined for a 204). */
  interpret(body: unknown): Outcome;
  /**
   * Records of one run that would create the same object share this key: the first one sends, the
   * others wait for it and report its object as existing (lookups cannot see a create in flight).
   */
  claim?: string;
  /** The id the request acts on when it is known before sending (updates), for dry runs. */
  targetId?: string;
  /**
   * For a create that is not idempotent (lookup before create): reads again, uncached, whether the
   * object exists. After a transient failure (a reset, a 5xx) the adapter calls it and sends again
   * only when the object is not there, so a create that landed before the failure is not repeated.
   */
  recheck?(): Promise<Outcome | undefined>;
  /** A better message for an API refusal of this request (undefined keeps the client's). */
  explainError?(err: ApiError): string | undefined;
}

/** Nothing to send: a lookup found the object (existing) or it already is as asked (unchanged). */
export interface PreparedDone {
  done: Outcome;
}

export type Prepared = PreparedRequest | PreparedDone;

/** One record after mapping, validation and prepare(), in input order. */
export type PreparedRecord =
  | { index: number; result: WriteResult }
  | { index: number; input: Record<string, unknown>; prepared: Prepared };

export interface ActionDefinition<I = Record<string, unknown>> {
  name: string;
  description: string;
  /** Link to the incident.io API reference of the endpoint the action calls. */
  docs: string;
  /** Input schema file, relative to the package root. */
  input: string;
  idempotency: string;
  /** The request the action sends: src/roles.ts says from it which roles may run the action. */
  endpoint: { method: 'POST' | 'PUT'; path: string };
  /**
   * Its row of the README's action table (scripts/gen.js writes it): what the idempotency column says,
   * text after the endpoint (other calls, limits) and, when the roles need explaining, the roles column.
   */
  readme: { idempotency: string; endpointNote?: string; roles?: string };
  /** True when a repeat of the same request cannot create a second object (so it may be retried). */
  idempotent: boolean;
  /**
   * Turns a schema-valid input into a request: resolves names, looks up existing objects, derives
   * idempotency keys. Throws BadRecordError for input the schema cannot judge (an unknown name).
   * `basis` is what a derived idempotency key hashes: the input as mapped, before schema defaults.
   */
  prepare(input: I, basis: Record<string, unknown>, ctx: ActionContext): Promise<Prepared>;
  /**
   * Replaces the per-record send for the whole run when set and it returns a runner (catalog batch
   * mode): it consumes the prepared records in input order and yields one result per record, in order.
   */
  batch?(ctx: ActionContext): BatchRunner | undefined;
}

export type BatchRunner = (records: AsyncIterable<PreparedRecord>) => AsyncIterable<WriteResult>;

/**
 * An action typed by its input. The adapter hands prepare() only input that the action's JSON schema
 * (`input`) accepted, which is what `I` describes: the one place that trusts the schema for the type.
 */
export function defineAction<I>(def: ActionDefinition<I>): ActionDefinition {
  return def as unknown as ActionDefinition;
}
