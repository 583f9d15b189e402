// upsert_catalog_entries in batch mode: the catalog type is listed once, unchanged entries cost nothing,
// new ones are created, changed ones go out in bulk_update calls of at most 250, and prune deletes the
// entries missing from the input only when asked, only after a clean run, and not in a dry run.
import type { Logger, WriteResult } from '../../src';
import type { Simulator } from '../../simulator/src';
import { fields, Harness, outcomes, startWriteSimulator, WRITER_KEY } from './helpers';
import plugin from '../../src';

let sim: Simulator;
let h: Harness;

beforeAll(async () => {
  sim = await startWriteSimulator({ seed: 12 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  h = new Harness(sim);
  sim.clearFaults();
  sim.resetStats();
});
afterEach(async () => {
  await h.close();
  expect(sim.stats().invalidRequests).toEqual([]);
});

const db = () => sim.resources();
const LIST = 'GET /v3/catalog_entries';
const CREATE = 'POST /v3/catalog_entries';
const BULK = 'POST /v3/catalog_entries/actions/bulk_update';
const DELETE = 'DELETE /v3/catalog_entries/{id}';
const BATCH = { action: 'upsert_catalog_entries', concurrency: 32 };

function customerType() {
  return db().catalog_types.find((t) => t.name === 'Customer')!;
}

interface Customer {
  catalog_type: string;
  external_id: string;
  name: string;
  attributes: Record<string, string | number>;
}

function customers(n: number, prefix: string, version = (_i: number) => 0): Customer[] {
  return Array.from({ length: n }, (_, i) => ({
    catalog_type: 'Customer',
    external_id: `${prefix}-${i}`,
    name: `${prefix} customer ${i}`,
    attributes: { Plan: version(i) ? `enterprise-v${version(i)}` : 'enterprise', 'Annual revenue': 1000 + i },
  }));
}

/** Stores the entries as if an earlier sync had written them (5,000 POSTs would only slow the test). */
function seed(records: Customer[]): void {
  const type = customerType();
  const attr = (name: string) => type.schema.attributes.find((a) => a.name === name)!.id;
  const now = new Date(Date.now() - 60_000).toISOString();
  for (const r of records) {
    const value = (v: string | number) => ({ value: { label: String(v), literal: String(v) } });
    db().catalog_entries.insert({
      id: db().newId('catalog_entries'),
      catalog_type_id: type.id,
      external_id: r.external_id,
      name: r.name,
      aliases: [],
      rank: 0,
      attribute_values: {
        [attr('Plan')]: value(r.attributes.Plan),
        [attr('Annual revenue')]: value(r.attributes['Annual revenue']),
      },
      created_at: now,
      updated_at: now,
    });
  }
}

const entriesOfType = () => db().catalog_entries.filter((e) => e.catalog_type_id === customerType().id);
const pagesOfType = () => Math.ceil(entriesOfType().length / 250);
const count = (results: WriteResult[], outcome: string) =>
  outcomes(results).filter((o) => o === outcome).length;

describe('upsert_catalog_entries batch mode', () => {
  const big = customers(5000, 'big');

  beforeAll(() => seed(big));

  it('5,000 unchanged entries cost the list pages and zero writes', async () => {
    const results = await h.write(BATCH, big);
    expect(count(results, 'unchanged')).toBe(5000);
    expect(h.count(LIST)).toBe(pagesOfType());
    expect(h.count(CREATE) + h.count(BULK) + h.count(DELETE)).toBe(0);
    expect(sim.stats().requests).toBe(pagesOfType() + 1); // + GET /v3/catalog_types
  });

  it('100 changed entries cost the list pages plus one bulk_update; 300 cost two', async () => {
    const changed = customers(5000, 'big', (i) => (i % 50 === 7 ? 2 : 0));
    const results = await h.write(BATCH, changed);
    expect(count(results, 'updated')).toBe(100);
    expect(count(results, 'unchanged')).toBe(4900);
    expect(h.count(LIST)).toBe(pagesOfType());
    expect(h.count(BULK)).toBe(1);
    expect(h.count(CREATE)).toBe(0);
    const plan = customerType().schema.attributes.find((a) => a.name === 'Plan')!.id;
    const e = db().catalog_entries.find((x) => x.external_id === 'big-7')!;
    expect((e.attribute_values[plan] as { value: { literal: string } }).value.literal).toBe('enterprise-v2');

    sim.resetStats();
    const more = customers(5000, 'big', (i) => (i % 50 === 7 ? 2 : i % 20 === 3 ? 3 : 0));
    const again = await h.write(BATCH, more);
    expect(count(again, 'updated')).toBe(250);
    expect(h.count(BULK)).toBe(1);

    sim.resetStats();
    const many = customers(5000, 'big', (i) => (i < 300 ? 4 : i % 50 === 7 ? 2 : i % 20 === 3 ? 3 : 0));
    const third = await h.write(BATCH, many);
    expect(count(third, 'updated')).toBe(300);
    expect(h.count(BULK)).toBe(2);
    // Put them back for the other tests.
    await h.write(BATCH, big);
  });

  it('creates new entries, skips repeats of the same external_id and answers in input order', async () => {
    const fresh = customers(12, 'fresh');
    const records = [...fresh.slice(0, 6), big[1], fresh[0], ...fresh.slice(6)];
    const results = await h.write(BATCH, records);
    expect(outcomes(results)).toEqual([
      ...Array(6).fill('created'),
      'unchanged',
      'unchanged',
      ...Array(6).fill('created'),
    ]);
    expect(results[7]).toMatchObject({ id: (results[0] as { id: string }).id });
    expect(h.count(CREATE)).toBe(12);
    expect(db().catalog_entries.filter((e) => e.external_id === 'fresh-0')).toHaveLength(1);
  });

  it('an atomic bulk_update refusal fails every record of the call with its request_id', async () => {
    sim.addFault({ route: BULK, kind: 'forbid' });
    const changed = customers(5000, 'big', (i) => (i < 3 ? 9 : 0));
    const results = await h.write(BATCH, changed);
    const failed = results.filter((r) => r.status === 'failed') as Array<{
      requestId?: string;
      httpStatus?: number;
    }>;
    expect(failed).toHaveLength(3);
    expect(new Set(failed.map((f) => f.requestId)).size).toBe(1);
    expect(failed[0]).toMatchObject({ httpStatus: 403, requestId: expect.any(String) });
    expect(count(results, 'unchanged')).toBe(4997);
  });

  it('rejects bad records without sending anything for them', async () => {
    const results = await h.write(BATCH, [
      { catalog_type: 'Customer', external_id: 'x', name: 'x', attributes: { Colour: 'red' } },
      { catalog_type: 'Customer', name: 'no id' },
    ]);
    expect(results.map(fields)).toEqual([['/attributes/Colour'], ['/external_id']]);
    expect(h.count(CREATE) + h.count(BULK)).toBe(0);
  });

  it('a dry run reads but writes nothing, and says what it would send', async () => {
    const records = [...customers(3, 'dry'), ...customers(2, 'big', () => 5)];
    const results = await h.write({ ...BATCH, dry_run: true }, records);
    expect(
      results.map((r) => (r.status === 'ok' ? [r.outcome, r.dryRun, r.request?.path] : r.status))
    ).toEqual([
      ['would_create', true, '/v3/catalog_entries'],
      ['would_create', true, '/v3/catalog_entries'],
      ['would_create', true, '/v3/catalog_entries'],
      ['would_update', true, '/v3/catalog_entries/actions/bulk_update'],
      ['would_update', true, '/v3/catalog_entries/actions/bulk_update'],
    ]);
    expect(h.count(CREATE) + h.count(BULK)).toBe(0);
    expect(db().catalog_entries.find((e) => e.external_id === 'dry-0')).toBeUndefined();
  });
});

describe('prune', () => {
  function logger(): Logger & { lines: string[] } {
    const lines: string[] = [];
    const log = (m: string, f?: Record<string, unknown>) => lines.push(`${m} ${f ? JSON.stringify(f) : ''}`);
    return { lines, debug: log, info: log, warn: log, error: log };
  }

  async function run(config: Record<string, unknown>, records: unknown[], log = logger()) {
    const credential = plugin.validateCredential({ api_key: WRITER_KEY, base_url: sim.url });
    const d = plugin.createDestination(credential, config, { limiters: h.limiters, logger: log });
    const out: WriteResult[] = [];
    for await (const r of d.write(records)) out.push(r);
    return { results: out, log };
  }

  it('deletes entries missing from the input only with prune, never in its dry run or after a failure', async () => {
    const type = db().catalog_types.find((t) => t.name === 'Region')!;
    const regions = ['eu-west', 'eu-central', 'us-east', 'us-west', 'ap-south'].map((id) => ({
      catalog_type: 'Region',
      external_id: id,
      name: id.toUpperCase(),
      attributes: { Provider: 'aws' },
    }));
    await run({ action: 'upsert_catalog_entries' }, regions);
    const withoutId = db().catalog_entries.filter(
      (e) => e.catalog_type_id === type.id && !e.external_id
    ).length;
    const kept = regions.slice(0, 3);

    // Without the flag: nothing is deleted.
    await run({ action: 'upsert_catalog_entries' }, kept);
    expect(db().catalog_entries.filter((e) => e.external_id === 'ap-south')).toHaveLength(1);

    // Prune's dry run: logged, not deleted.
    sim.resetStats();
    const dry = await run(
      { action: 'upsert_catalog_entries', catalog: { prune: true, prune_dry_run: true } },
      kept
    );
    expect(h.count(DELETE)).toBe(0);
    expect(dry.log.lines.join('\n')).toMatch(/would delete \d+ entries.*us-west/s);

    // A rejected record: prune is skipped.
    const skipped = await run({ action: 'upsert_catalog_entries', catalog: { prune: true } }, [
      ...kept,
      { catalog_type: 'Region' },
    ]);
    expect(skipped.results[3].status).toBe('rejected');
    expect(skipped.log.lines.join('\n')).toMatch(/prune skipped/);
    expect(h.count(DELETE)).toBe(0);

    // A clean run with prune: the two missing entries with an external_id go, the others stay.
    const pruned = await run({ action: 'upsert_catalog_entries', catalog: { prune: true } }, kept);
    expect(outcomes(pruned.results)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    const left = db().catalog_entries.filter((e) => e.catalog_type_id === type.id);
    expect(
      left
        .filter((e) => e.external_id && regions.some((r) => r.external_id === e.external_id))
        .map((e) => e.external_id)
        .sort()
    ).toEqual(['eu-central', 'eu-west', 'us-east']);
    expect(left.filter((e) => !e.external_id)).toHaveLength(withoutId);
    expect(pruned.log.lines.join('\n')).toMatch(/deleted \d+ of \d+ entries/);
  });
});
