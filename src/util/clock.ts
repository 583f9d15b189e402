// Waits that end early, with a CancelledError, when the run's signal aborts.
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledError } from '../errors';

/** Resolves after ms, or rejects with CancelledError as soon as the signal aborts. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new CancelledError();
  try {
    await delay(Math.max(0, ms), undefined, { signal });
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    throw e;
  }
}

/**
 * Settles like `p`, or rejects with CancelledError as soon as the signal aborts (p itself goes on;
 * its outcome is then ignored).
 */
export function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(new CancelledError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => undefined);
      reject(new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      }
    );
  });
}
