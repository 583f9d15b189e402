// Garbage-collector tuning for the CLI's streaming commands (never for a runtime that loads the
// plugin: its process is not ours to tune).
import v8 from 'node:v8';

/**
 * A read or a write streams: what it keeps alive is a few pages (about 20 MB), yet V8 lets the old
 * generation grow to about three times what survived the last full collection before it collects
 * again, so most of a long read's peak memory was garbage (210 to 225 MB reading 1,000,000
 * incidents). Growing by at most 100% brings that to about 170 MB for 5 to 10% more CPU
 * (bench/RESULTS.md, Memory and CPU cost).
 */
export function tuneHeapForStreaming(): void {
  v8.setFlagsFromString('--heap-growing-percent=100');
}
