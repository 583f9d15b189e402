import type { Logger } from '../contract';
import type { Redactor } from './redact';

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

/** Human-readable log lines on stderr (stdout carries only data), redacted. */
export function stderrLogger(redactor: Redactor, minLevel: Level = 'info'): Logger {
  const min = LEVELS.indexOf(minLevel);
  const log = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) < min) return;
    const extra = fields && Object.keys(fields).length ? ` ${JSON.stringify(fields)}` : '';
    process.stderr.write(redactor.redact(`[${level}] ${message}${extra}\n`));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
