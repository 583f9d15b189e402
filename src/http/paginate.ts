// Cursor pagination over incident.io list endpoints (spec `pagination_meta`): `page_size` + `after`, the next
// cursor in `pagination_meta.after`; absent on the last page, and v3 lists may end on an empty page.
import { ApiError, ConnectorError } from '../errors';
import type { IncidentIoClient, RequestOptions } from './client';

export interface PageRequest {
  path: string;
  /** Response property holding the records; dotted paths reach into objects; several are concatenated. */
  recordsField: string | string[];
  /** Query parameter that carries the cursor (default "after"). */
  afterParam?: string;
  query?: RequestOptions['query'];
  pageSize?: number;
  /** Resume after this cursor. */
  after?: string;
  signal?: AbortSignal;
}

export interface Page<T> {
  records: T[];
  /** Cursor of the next page; undefined on the last page. */
  next?: string;
  total?: number;
  /** Size of the response body (characters). */
  bodyLength?: number;
}

interface ListBody {
  pagination_meta?: { after?: string | null; total_record_count?: number };
  [field: string]: unknown;
}

export async function* paginate<T>(client: IncidentIoClient, req: PageRequest): AsyncGenerator<Page<T>> {
  let after = req.after;
  const seen = new Set<string>();
  if (after) seen.add(after);
  for (;;) {
    const query = { ...req.query, page_size: req.pageSize, [req.afterParam ?? 'after']: after };
    let data: ListBody;
    let bodyLength: number;
    try {
      ({ data, bodyLength } = await client.request<ListBody>({
        method: 'GET',
        path: req.path,
        query,
        route: `GET ${req.path}`,
        signal: req.signal,
      }));
    } catch (e) {
      throw after !== undefined && req.afterParam === undefined ? foreignCursor(e, req.path, after) : e;
    }
    const records = extractRecords(data, req.recordsField, req.path);
    const next = data?.pagination_meta?.after ?? undefined;
    if (next && seen.has(next)) {
      throw cursorNotAdvancing(req.path, next);
    }
    const done = !next || records.length === 0;
    yield {
      records: records as T[],
      next: done ? undefined : next,
      total: data.pagination_meta?.total_record_count,
      bodyLength,
    };
    if (done) return;
    seen.add(next);
    after = next;
  }
}

/** The records of one response: each field (dotted paths reach into objects) must hold a list. */
export function extractRecords(data: unknown, fields: string | string[], path: string): unknown[] {
  const out: unknown[] = [];
  for (const field of Array.isArray(fields) ? fields : [fields]) {
    let value: unknown = data;
    for (const key of field.split('.'))
      value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (!Array.isArray(value)) {
      throw new ConnectorError(
        'system',
        `incident.io answered GET ${path} without a "${field}" list; the API may have changed`
      );
    }
    for (const r of value) out.push(r);
  }
  return out;
}

/**
 * A 404 to a request that carries a page cursor means the API does not know the cursor (a state saved
 * from another account, or one the API no longer accepts): say so, and what to do, instead of
 * "found nothing". Still an ApiError with status 404, so callers that skip vanished parents still can.
 */
function foreignCursor(e: unknown, path: string, after: string): unknown {
  if (!(e instanceof ApiError) || e.status !== 404) return e;
  const ref = e.requestId ? ` (request_id ${e.requestId})` : '';
  return new ApiError(
    'config',
    `incident.io does not recognise the page cursor "${after}" for GET ${path} (HTTP 404)${ref}; ` +
      "the saved state may come from another account or be too old: reset this stream's state to read it from the start",
    {
      method: e.method,
      path: e.path,
      status: 404,
      type: e.type,
      errors: e.errors,
      requestId: e.requestId,
    }
  );
}

/** A list answered a cursor it had answered before: paging would never end, so the read stops. */
export function cursorNotAdvancing(path: string, cursor: string): ConnectorError {
  return new ConnectorError(
    'system',
    `incident.io returned the cursor "${cursor}" for GET ${path} twice, so paging would never end; ` +
      'the read stopped after the last complete page (its state is saved): try again later or report it with this cursor',
    { code: 'cursor_not_advancing' }
  );
}
