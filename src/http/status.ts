// How an HTTP status that is not a success is classified: one row per status range, first match wins,
// as ky and Airbyte's error handlers keep it. The client words the message for the row's kind.
import type { FailureType } from '../errors';

export type StatusKind =
  'auth' | 'forbidden' | 'rate_limited' | 'server' | 'redirect' | 'not_found' | 'invalid' | 'refused';

export interface StatusClass {
  kind: StatusKind;
  failureType: FailureType;
  /** Whether the same request may succeed when sent again (after a wait). */
  retryable: boolean;
}

const STATUS_TABLE: ReadonlyArray<{ from: number; to: number } & StatusClass> = [
  { from: 401, to: 401, kind: 'auth', failureType: 'auth', retryable: false },
  { from: 403, to: 403, kind: 'forbidden', failureType: 'permission', retryable: false },
  { from: 429, to: 429, kind: 'rate_limited', failureType: 'rate_limited', retryable: true },
  { from: 408, to: 408, kind: 'server', failureType: 'transient', retryable: true },
  { from: 500, to: Infinity, kind: 'server', failureType: 'transient', retryable: true },
  { from: 300, to: 399, kind: 'redirect', failureType: 'config', retryable: false },
  { from: 404, to: 404, kind: 'not_found', failureType: 'config', retryable: false },
  // The record was refused (a field, a state it cannot move to): fix the record, not the setup.
  { from: 400, to: 400, kind: 'invalid', failureType: 'bad_record', retryable: false },
  { from: 422, to: 422, kind: 'invalid', failureType: 'bad_record', retryable: false },
  { from: -Infinity, to: Infinity, kind: 'refused', failureType: 'config', retryable: false },
];

export function classifyStatus(status: number): StatusClass {
  const row = STATUS_TABLE.find((r) => status >= r.from && status <= r.to)!;
  return { kind: row.kind, failureType: row.failureType, retryable: row.retryable };
}
