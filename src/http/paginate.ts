// Cursor pagination over incident.io list endpoints (API-NOTES §5): `page_size` + `after`, the next
// cursor in `pagination_meta.after`; absent on the last page, and v3 lists may end on an empty page.
import { ConnectorError } from '../errors';
import type { IncidentIoClient, RequestOptions } from './client';

export interface PageRequest {
  path: string;
  recordsField: string;
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
    const query = { ...req.query, page_size: req.pageSize, after };
    const { data } = await client.request<ListBody>({
      method: 'GET',
      path: req.path,
      query,
      route: `GET ${req.path}`,
      signal: req.signal,
    });
    const records = data?.[req.recordsField];
    if (!Array.isArray(records)) {
      throw new ConnectorError(
        'system',
        `incident.io answered GET ${req.path} without a "${req.recordsField}" list; the API may have changed`
      );
    }
    const next = req.pageSize === undefined ? undefined : (data.pagination_meta?.after ?? undefined);
    if (next && seen.has(next)) {
      throw new ConnectorError(
        'system',
        `incident.io returned the cursor "${next}" for GET ${req.path} twice, so paging would never end; ` +
          'the read stopped after the last complete page (its state is saved): try again later or report it with this cursor',
        { code: 'cursor_not_advancing' }
      );
    }
    const done = !next || records.length === 0;
    yield {
      records: records as T[],
      next: done ? undefined : next,
      total: data.pagination_meta?.total_record_count,
    };
    if (done) return;
    seen.add(next);
    after = next;
  }
}
