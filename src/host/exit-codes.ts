export const EXIT = {
  OK: 0,
  /** The run failed (a stream incomplete, a record not written, a probe that failed). */
  FAILED: 1,
  /** Bad usage or configuration: nothing was attempted. */
  USAGE: 2,
  /** Stopped by SIGINT / SIGTERM after flushing state and results. */
  INTERRUPTED: 130,
  /** stdout was closed by its reader (`… | head`), as a process killed by SIGPIPE would report. */
  OUTPUT_CLOSED: 141,
} as const;
