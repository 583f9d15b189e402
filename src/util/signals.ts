// One run's abort signal, shared by every request of the run: each request in flight (and each one
// waiting for a token) listens to it, so dozens of listeners are normal, not a leak.
import { setMaxListeners } from 'node:events';

const LISTENERS = 512;

/** A signal that aborts when any of `signals` does, allowed as many listeners as a run needs. */
export function runSignal(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return undefined;
  const signal = AbortSignal.any(present);
  setMaxListeners(LISTENERS, signal);
  return signal;
}
