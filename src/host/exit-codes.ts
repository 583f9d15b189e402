export const EXIT = {
  OK: 0,
  /** The run failed (a stream incomplete, a record not written, a probe that failed). */
  FAILED: 1,
  /** Bad usage or configuration: nothing was attempted. */
  USAGE: 2,
  /** Stopped by SIGINT / SIGTERM after flushing state and results. */
  INTERRUPTED: 130,
} as const;
