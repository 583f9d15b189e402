// paginate() against a loopback server: follows pagination_meta.after, stops on a missing cursor or
// an empty page, resumes from a cursor, and refuses a cursor that does not advance.
import { IncidentIoClient } from '../../src/http/client';
import { LimiterRegistry } from '../../src/http/limiter';
import { Page, paginate } from '../../src/http/paginate';
import { ConnectorError } from '../../src/errors';
import { LocalServer, RecordedRequest, Reply, startServer } from '../helpers/local-server';

const KEY = `inc_canary_${'9a'.repeat(32)}`;

let registry: LimiterRegistry;
let c: IncidentIoClient;
let s: LocalServer;

beforeEach(async () => {
  registry = new LimiterRegistry();
  s = await startServer();
  c = new IncidentIoClient(
    { api_key: KEY, base_url: s.url },
    {
      limiters: registry,
      rateLimit: { burst: 5, refillPerSecond: 50, share: 1 },
      http: { timeoutMs: 2_000, maxRetries: 2, backoffBaseMs: 10, backoffMaxMs: 100 },
    }
  );
});

afterEach(async () => {
  c.close();
  await registry.close();
  await s.close();
});

type Rec = { id: string };

/** Serves `pages` in order; page i's cursor is pages[i].after. */
function serve(pages: Array<{ ids: string[]; after?: string | null; total?: number }>): void {
  s.handle((r: RecordedRequest): Reply => {
    const after = r.query.get('after');
    const i = after === null ? 0 : pages.findIndex((p) => p.after === after) + 1;
    const page = pages[i] ?? { ids: [] };
    return {
      status: 200,
      json: {
        incidents: page.ids.map((id) => ({ id })),
        pagination_meta: {
          page_size: Number(r.query.get('page_size') ?? 25),
          ...(page.after !== undefined ? { after: page.after } : {}),
          ...(page.total !== undefined ? { total_record_count: page.total } : {}),
        },
      },
    };
  });
}

async function collect(
  gen: AsyncGenerator<Page<Rec>>
): Promise<{ pages: Array<Page<Rec>>; error?: ConnectorError }> {
  const pages: Array<Page<Rec>> = [];
  try {
    for await (const p of gen) pages.push(p);
    return { pages };
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    return { pages, error: e as ConnectorError };
  }
}

const ids = (pages: Array<Page<Rec>>) => pages.flatMap((p) => p.records.map((r) => r.id));

test('follows `after` page by page and stops when the cursor is missing', async () => {
  serve([
    { ids: ['a', 'b'], after: 'b', total: 5 },
    { ids: ['c', 'd'], after: 'd', total: 5 },
    { ids: ['e'], total: 5 },
  ]);
  const { pages, error } = await collect(
    paginate<Rec>(c, {
      path: '/v2/incidents',
      recordsField: 'incidents',
      pageSize: 2,
      query: { mode: 'standard' },
    })
  );
  expect(error).toBeUndefined();
  expect(ids(pages)).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(pages.map((p) => p.next)).toEqual(['b', 'd', undefined]);
  expect(pages[0].total).toBe(5);
  expect(s.requests.map((r) => r.query.get('after'))).toEqual([null, 'b', 'd']);
  for (const r of s.requests) {
    expect(r.query.get('page_size')).toBe('2');
    expect(r.query.get('mode')).toBe('standard');
    expect(r.method).toBe('GET');
  }
});

test('a null cursor ends the read like a missing one', async () => {
  serve([{ ids: ['a'], after: null }]);
  const { pages } = await collect(
    paginate<Rec>(c, { path: '/v2/incidents', recordsField: 'incidents', pageSize: 1 })
  );
  expect(ids(pages)).toEqual(['a']);
  expect(s.count()).toBe(1);
});

test('stops on an empty page even when it carries a cursor', async () => {
  serve([{ ids: ['a', 'b'], after: 'b' }, { ids: [], after: 'zzz' }, { ids: ['never'] }]);
  const { pages, error } = await collect(
    paginate<Rec>(c, { path: '/v3/catalog_entries', recordsField: 'incidents', pageSize: 2 })
  );
  expect(error).toBeUndefined();
  expect(pages).toHaveLength(2);
  expect(pages[1]).toMatchObject({ records: [], next: undefined });
  expect(ids(pages)).toEqual(['a', 'b']);
  expect(s.count()).toBe(2);
});

test('resumes from a given `after`', async () => {
  serve([{ ids: ['a', 'b'], after: 'b' }, { ids: ['c', 'd'], after: 'd' }, { ids: ['e'] }]);
  const { pages } = await collect(
    paginate<Rec>(c, { path: '/v2/incidents', recordsField: 'incidents', pageSize: 2, after: 'b' })
  );
  expect(ids(pages)).toEqual(['c', 'd', 'e']);
  expect(s.requests.map((r) => r.query.get('after'))).toEqual(['b', 'd']);
});

test('a repeated cursor throws cursor_not_advancing after yielding the pages before it', async () => {
  serve([
    { ids: ['a', 'b'], after: 'b' },
    { ids: ['c', 'd'], after: 'd' },
  ]);
  // The third request (after=d) answers with the cursor "b" again.
  s.handle((r) => {
    const after = r.query.get('after');
    if (after === null)
      return { json: { incidents: [{ id: 'a' }, { id: 'b' }], pagination_meta: { after: 'b' } } };
    if (after === 'b')
      return { json: { incidents: [{ id: 'c' }, { id: 'd' }], pagination_meta: { after: 'd' } } };
    return { json: { incidents: [{ id: 'e' }, { id: 'f' }], pagination_meta: { after: 'b' } } };
  });
  const { pages, error } = await collect(
    paginate<Rec>(c, { path: '/v2/incidents', recordsField: 'incidents', pageSize: 2 })
  );
  expect(ids(pages)).toEqual(['a', 'b', 'c', 'd']);
  expect(error).toBeDefined();
  expect(error!.code).toBe('cursor_not_advancing');
  expect(error!.message).toContain('"b"');
  expect(s.count()).toBe(3);
});

test('a cursor equal to the one we resumed from is also not advancing', async () => {
  s.handle(() => ({ json: { incidents: [{ id: 'x' }], pagination_meta: { after: 'same' } } }));
  const { pages, error } = await collect(
    paginate<Rec>(c, { path: '/v2/incidents', recordsField: 'incidents', pageSize: 1, after: 'same' })
  );
  expect(pages).toEqual([]);
  expect(error?.code).toBe('cursor_not_advancing');
  expect(s.count()).toBe(1);
});

test('a page without the records list is a ConnectorError, not an endless or silent read', async () => {
  s.handle(() => ({ json: { something_else: [], pagination_meta: { after: 'x' } } }));
  const { pages, error } = await collect(
    paginate<Rec>(c, { path: '/v2/incidents', recordsField: 'incidents', pageSize: 1 })
  );
  expect(pages).toEqual([]);
  expect(error?.failureType).toBe('system');
  expect(error?.message).toMatch(/"incidents"/);
});

test('each page goes through the client (a 503 in the middle is retried)', async () => {
  serve([{ ids: ['a'], after: 'a' }, { ids: ['b'] }]);
  s.script(
    { json: { incidents: [{ id: 'a' }], pagination_meta: { after: 'a' } } },
    { status: 503, body: '' }
  );
  const { pages, error } = await collect(
    paginate<Rec>(c, { path: '/v2/incidents', recordsField: 'incidents', pageSize: 1 })
  );
  expect(error).toBeUndefined();
  expect(ids(pages)).toEqual(['a', 'b']);
  expect(s.count()).toBe(3);
});

test('stops without the next request when the consumer stops early', async () => {
  serve([{ ids: ['a'], after: 'a' }, { ids: ['b'], after: 'b' }, { ids: ['c'] }]);
  for await (const page of paginate<Rec>(c, {
    path: '/v2/incidents',
    recordsField: 'incidents',
    pageSize: 1,
  })) {
    expect(page.records).toEqual([{ id: 'a' }]);
    break;
  }
  expect(s.count()).toBe(1);
});
