import { ConfigError } from '../errors';
import { pointerSegment, toProblems, validatorFor } from '../validation';
import { STREAMS } from './streams';
import type { WebhookSettings } from './webhooks/settings';

export interface SourceConfig {
  streams?: string[];
  start_date?: string;
  lookback_minutes: number;
  reread_window_minutes: number;
  custom_fields: 'named' | 'nested';
  schedule_window_days: { past: number; future: number };
  page_sizes?: Record<string, number>;
  /** Absent: follows the key's in-flight target (3 to 16). */
  stream_concurrency?: number;
  /** Absent: sized from the key's in-flight cap. */
  max_partitions?: number;
  page_concurrency?: number;
  /** Deepest nesting of a record (objects and lists) the source emits. */
  max_depth: number;
  /** Webhook mode only (src/source/webhooks). */
  webhooks?: Partial<WebhookSettings>;
}

export function validateSourceConfig(input: unknown): SourceConfig {
  const validate = validatorFor('schemas/source-config.schema.json');
  // No config at all is {}; `null`, a list or a string is a mistake, not "no config".
  if (input !== undefined && (input === null || typeof input !== 'object' || Array.isArray(input))) {
    throw new ConfigError('the source config', [{ field: '/', reason: 'must be an object' }]);
  }
  const copy = structuredClone(input ?? {}) as Record<string, unknown>;
  const problems = validate(copy) ? [] : toProblems(validate.errors);
  const known = new Set(STREAMS.map((s) => s.name));
  if (Array.isArray(copy.streams)) {
    copy.streams.forEach((s, i) => {
      if (typeof s === 'string' && !known.has(s)) {
        problems.push({
          field: `/streams/${i}`,
          reason: `is not a stream of this source (known: ${[...known].join(', ')})`,
        });
      }
    });
  }
  if (copy.page_sizes && typeof copy.page_sizes === 'object') {
    for (const name of Object.keys(copy.page_sizes)) {
      if (!known.has(name))
        problems.push({
          field: `/page_sizes/${pointerSegment(name)}`,
          reason: 'is not a stream of this source',
        });
    }
  }
  if (problems.length > 0) throw new ConfigError('the source config', problems);
  return copy as unknown as SourceConfig;
}
