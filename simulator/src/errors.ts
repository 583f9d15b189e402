// incident.io's error body (spec info "Errors"): {type, status, request_id, errors:[{code, message, source?}]}.
import { randomUUID } from 'crypto';
import type { FieldError } from './spec';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'resource_forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'validation_error'
  | 'too_many_requests'
  | 'api_error';

export interface ErrorItem {
  code: string;
  message: string;
  /** Names the offending request field; `pointer` is its JSON pointer (as in the newer spec's ErrorSource). */
  source?: { field: string; pointer: string };
}

export interface ErrorBody {
  type: ErrorType;
  status: number;
  request_id: string;
  errors: ErrorItem[];
  rate_limit?: { name: string; limit: number; remaining: number; retry_after: string };
}

/** Thrown by route handlers; the server turns it into the error body. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly items: ErrorItem[]
  ) {
    super(items.map((i) => i.message).join('; '));
  }

  static one(status: number, type: ErrorType, code: string, message: string, field?: string): SimHttpError {
    return new SimHttpError(status, type, [item(code, message, field)]);
  }

  static notFound(message: string): SimHttpError {
    return SimHttpError.one(404, 'not_found', 'not_found', message);
  }

  static validation(errors: FieldError[]): SimHttpError {
    return new SimHttpError(
      422,
      'validation_error',
      errors.map((e) => item(e.code, e.field ? `${e.field} ${e.message}` : e.message, e.field))
    );
  }

  body(): ErrorBody {
    return errorBody(this.status, this.type, this.items);
  }
}

export function item(code: string, message: string, field?: string): ErrorItem {
  if (field === undefined) return { code, message };
  const pointer = '/' + field.replace(/\[([^\]]*)\]/g, '/$1').replace(/\./g, '/');
  return { code, message, source: { field, pointer } };
}

export function errorBody(status: number, type: ErrorType, errors: ErrorItem[]): ErrorBody {
  return { type, status, request_id: randomUUID(), errors };
}

export const missingAuth = (): SimHttpError =>
  SimHttpError.one(
    401,
    'authentication_error',
    'missing_authorization_material',
    'No authorization material provided in request'
  );

export const invalidAuth = (): SimHttpError =>
  SimHttpError.one(
    401,
    'authentication_error',
    'invalid_authorization_material',
    'The API key provided is not valid'
  );
