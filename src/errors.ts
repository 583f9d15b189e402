// The one error family of the connector. Every failure a user or runtime sees is a ConnectorError:
// it carries a failure type, a message that says what to do, the incident.io request_id when there
// is one, and never a secret (nothing from a request's headers is ever copied into it).

export type FailureType =
  'config' | 'auth' | 'permission' | 'rate_limited' | 'transient' | 'system' | 'bad_record' | 'cancelled';

export interface FieldProblem {
  /** JSON-pointer-like path of the offending field, e.g. "/api_key" or "/severity". */
  field: string;
  reason: string;
}

export interface ConnectorErrorOptions {
  requestId?: string;
  status?: number;
  code?: string;
  retryable?: boolean;
  /** Only ever a sanitized error of our own (never an AxiosError). */
  cause?: ConnectorError;
}

export class ConnectorError extends Error {
  readonly failureType: FailureType;
  readonly requestId?: string;
  readonly status?: number;
  readonly code?: string;
  readonly retryable: boolean;

  constructor(failureType: FailureType, message: string, opts: ConnectorErrorOptions = {}) {
    super(message, opts.cause ? { cause: opts.cause } : undefined);
    this.name = new.target.name;
    this.failureType = failureType;
    if (opts.requestId !== undefined) this.requestId = opts.requestId;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.code !== undefined) this.code = opts.code;
    this.retryable = opts.retryable ?? false;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      failureType: this.failureType,
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.code !== undefined ? { code: this.code } : {}),
      ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
    };
  }
}

/** Invalid credential, source or destination config: lists every bad field at once. */
export class ConfigError extends ConnectorError {
  readonly problems: FieldProblem[];
  constructor(
    readonly subject: string,
    problems: FieldProblem[]
  ) {
    super(
      'config',
      `${subject} is invalid: ${problems.map((p) => `${p.field || '/'} ${p.reason}`).join('; ')}`
    );
    this.problems = problems;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

/** One input record that cannot be sent as it is (nothing was sent for it). */
export class BadRecordError extends ConnectorError {
  readonly problems: FieldProblem[];
  constructor(problems: FieldProblem[]) {
    super('bad_record', problems.map((p) => `${p.field || '/'} ${p.reason}`).join('; '));
    this.problems = problems;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

export interface ApiErrorDetail {
  code: string;
  message: string;
  field?: string;
}

/** The incident.io API answered with an error status (sanitized: method, path, status, body fields). */
export class ApiError extends ConnectorError {
  readonly method: string;
  readonly path: string;
  readonly type?: string;
  readonly errors: ApiErrorDetail[];
  readonly retryAfterMs?: number;
  constructor(
    failureType: FailureType,
    message: string,
    info: {
      method: string;
      path: string;
      status: number;
      type?: string;
      errors?: ApiErrorDetail[];
      requestId?: string;
      retryAfterMs?: number;
      retryable?: boolean;
    }
  ) {
    super(failureType, message, {
      status: info.status,
      requestId: info.requestId,
      code: info.errors?.[0]?.code ?? info.type,
      retryable: info.retryable,
    });
    this.method = info.method;
    this.path = info.path;
    if (info.type !== undefined) this.type = info.type;
    this.errors = info.errors ?? [];
    if (info.retryAfterMs !== undefined) this.retryAfterMs = info.retryAfterMs;
  }
  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      method: this.method,
      path: this.path,
      ...(this.type ? { type: this.type } : {}),
      errors: this.errors,
      ...(this.retryAfterMs !== undefined ? { retryAfterMs: this.retryAfterMs } : {}),
    };
  }
}

/**
 * No usable answer: DNS, refused, reset, deadline, a body that is not JSON (transient), or one no retry
 * can fix — an untrusted certificate, an answer over the size limit (config).
 */
export class TransportError extends ConnectorError {
  readonly method: string;
  readonly path: string;
  constructor(
    message: string,
    info: {
      method: string;
      path: string;
      code?: string;
      retryable: boolean;
      status?: number;
      failureType?: FailureType;
    }
  ) {
    super(info.failureType ?? 'transient', message, {
      code: info.code,
      retryable: info.retryable,
      status: info.status,
    });
    this.method = info.method;
    this.path = info.path;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, path: this.path };
  }
}

export class CancelledError extends ConnectorError {
  constructor(message = 'the run was cancelled') {
    super('cancelled', message);
  }
}

/** Normalises anything thrown into a ConnectorError without copying foreign objects into it. */
export function toConnectorError(e: unknown): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new ConnectorError('system', `internal error: ${message}`);
}
