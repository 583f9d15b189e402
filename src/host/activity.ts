// What the HTTP client and the key's limiter report while a command runs: each attempt's answer and
// each wait for the rate limit. The session wires both to one emitter (through the context it
// injects, never a global), and the -v log and the progress display listen to it.
import { EventEmitter } from 'node:events';
import type { AttemptOutcome, Logger } from '../contract';
import type { KeyLimiter } from '../http/limiter';

export interface LimiterWait {
  route: string;
  ms: number;
}

export interface ActivityEvents {
  /** An HTTP attempt ended (answered, or failed in transport). */
  response: [AttemptOutcome];
  /** A request waited this long for the key's token bucket. */
  wait: [LimiterWait];
  /** incident.io answered 429: every request on the key waits this long. */
  pause: [{ ms: number }];
}

export class Activity extends EventEmitter<ActivityEvents> {
  /** For LimiterRegistry's onCreated: forwards the key limiter's waits and pauses. */
  follow(limiter: KeyLimiter): void {
    limiter.on('wait', (e: LimiterWait) => this.emit('wait', e));
    limiter.on('pause', (e: { ms: number }) => this.emit('pause', e));
  }
}

/** -v: one debug line per request and per limiter wait; never the key (routes are templates). */
export function logActivity(activity: Activity, logger: Logger): void {
  activity.on('response', (r) => {
    const outcome = r.status !== undefined ? String(r.status) : `failed (${r.error ?? 'unknown'})`;
    const id = r.requestId ? ` request_id ${r.requestId}` : '';
    logger.debug(`${r.route} → ${outcome} in ${r.ms} ms${id}`);
  });
  activity.on('wait', (w) => logger.debug(`${w.route}: waited ${w.ms} ms for the rate limit`));
  activity.on('pause', (p) => logger.debug(`rate limited: every request on this key waits ${p.ms} ms`));
}
