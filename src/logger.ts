// Where the connector's messages go; the runtime passes one in its context.
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Drops everything: the logger of a context that passes none. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
