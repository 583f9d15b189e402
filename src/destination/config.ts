import { ConfigError } from '../errors';
import { toProblems, validatorFor } from '../validation';

export interface DestinationConfig {
  action: string;
  concurrency: number;
}

export function validateDestinationConfig(input: unknown): DestinationConfig {
  const validate = validatorFor('schemas/destination-config.schema.json');
  const copy = structuredClone(input ?? {}) as Record<string, unknown>;
  if (!validate(copy)) throw new ConfigError('the destination config', toProblems(validate.errors));
  return copy as unknown as DestinationConfig;
}
