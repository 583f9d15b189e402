import { ConfigError } from '../errors';
import { toProblems, validatorFor } from '../validation';
import type { MappingSpec } from './mapping';

export interface DestinationConfig {
  action: string;
  /** Records in flight; absent: the key's in-flight target. */
  concurrency?: number;
  /** Deepest nesting a record may have (objects and lists). */
  max_depth: number;
  mapping?: MappingSpec;
  dry_run: boolean;
  catalog?: { batch: boolean; prune: boolean; prune_dry_run: boolean };
  alert_source?: string;
  /** A secret: never logged, never in a result or message. */
  alert_source_token?: string;
}

export function validateDestinationConfig(input: unknown): DestinationConfig {
  const validate = validatorFor('schemas/destination-config.schema.json');
  // No config at all is {}; `null`, a list or a string is a mistake, not "no config".
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new ConfigError('the destination config', [{ field: '/', reason: 'must be an object' }]);
  }
  const copy = structuredClone(input ?? {}) as Record<string, unknown>;
  if (!validate(copy)) throw new ConfigError('the destination config', toProblems(validate.errors));
  const config = copy as unknown as DestinationConfig;
  config.catalog ??= { batch: true, prune: false, prune_dry_run: false };
  return config;
}
