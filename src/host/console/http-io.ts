// Reading JSON requests and writing JSON answers for the console's API. Every answer passes through
// the redactor that knows the keys the console has handled: defence in depth, the plugin and the
// console never put a key in an answer in the first place.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectorError } from '../../errors';
import type { Redactor } from '../redact';
import type { ApiErrorBody } from './api-types';
import { SECURITY_HEADERS } from './security';

/** A request the console itself refuses (unknown id, body too large, wrong shape): its HTTP status. */
export class ConsoleRequestError extends ConnectorError {
  constructor(
    readonly httpStatus: number,
    message: string
  ) {
    super('config', message);
  }
}

/** Sample records pasted or uploaded in the browser travel in one request body. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // application/json cannot be sent by a plain HTML form, one more wall against cross-site posts.
  if (!/^application\/json\b/i.test(type)) {
    throw new ConsoleRequestError(415, 'send the request body as application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw new ConsoleRequestError(413, `the request body is over ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ConsoleRequestError(400, 'the request body is not valid JSON');
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown, redactor: Redactor): void {
  const body = redactor.redact(JSON.stringify(value));
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * An error of the plugin's family, recognised by its shape: the plugin is a module of its own (its
 * classes are not necessarily the ones this runtime was built with), so instanceof cannot be trusted.
 */
interface PluginError {
  failureType: string;
  message: string;
  requestId?: string;
  problems?: Array<{ field: string; reason: string }>;
}

function asPluginError(e: unknown): PluginError | undefined {
  const x = e as Partial<PluginError> | undefined;
  return e instanceof Error && typeof x?.failureType === 'string' ? (x as PluginError) : undefined;
}

/** The HTTP status and body of a failure; the message always says what happened, never a stack. */
export function errorAnswer(e: unknown): { status: number; body: ApiErrorBody } {
  const err = asPluginError(e);
  if (err) {
    const problems = Array.isArray(err.problems) ? err.problems : undefined;
    const status =
      e instanceof ConsoleRequestError
        ? e.httpStatus
        : err.failureType === 'config'
          ? 400
          : err.failureType === 'cancelled'
            ? 409
            : err.failureType === 'system'
              ? 500
              : 502;
    return {
      status,
      body: {
        error: {
          failureType: err.failureType,
          message: err.message,
          ...(err.requestId ? { requestId: err.requestId } : {}),
          ...(problems ? { problems } : {}),
        },
      },
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    status: 500,
    body: {
      error: { failureType: 'system', message: `the console could not complete this request: ${message}` },
    },
  };
}

/** An object body, or a 400 naming what was expected. */
export function objectBody(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConsoleRequestError(400, `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, field: string, optional = false): string {
  const value = body[field];
  if (value === undefined && optional) return '';
  if (typeof value !== 'string' || (!optional && value === '')) {
    throw new ConsoleRequestError(400, `"${field}" must be a${optional ? '' : ' non-empty'} string`);
  }
  return value;
}
