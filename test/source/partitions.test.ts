// Backfills paged in parallel time partitions: every record exactly once (also on a partition edge),
// and resuming from any state emitted mid-run loses nothing.
import plugin, { LimiterRegistry, SourceMessage, StreamState } from '../../src';
import { parseTimestamp } from '../../src/util/time';
import { partitionFilter, readPartitioned, splitRange, windowQuery } from '../../src/source/partitioned-read';
import { startSimulator, Simulator } from '../../simulator/src';

const DAY = 86_400_000;
let sim: Simulator;
let limiters: LimiterRegistry;

beforeAll(async () => {
  sim = await startSimulator({ incidents: 900, seed: 5, bucket: false });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  limiters = new LimiterRegistry();
});
afterEach(async () => {
  await limiters.close();
});

const credential = () => plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });

async function collect(iter: AsyncIterable<SourceMessage>, stopAfterStates = Infinity) {
  const records: Array<Record<string, unknown>> = [];
  const states: StreamState[] = [];
  for await (const m of iter) {
    if (m.type === 'record') records.push(m.data);
    if (m.type === 'state') {
      states.push(m.state);
      if (states.length >= stopAfterStates) break;
    }
  }
  return { records, states };
}

describe('time partitions', () => {
  it('splits a range into whole-second or whole-day, half-open slices with an open last one', () => {
    const parts = splitRange(Date.parse('2024-01-01T00:00:00.500Z'), Date.parse('2024-01-01T00:00:10Z'), 4);
    expect(parts.map((p) => [p.from, p.to])).toEqual([
      ['2024-01-01T00:00:00Z', '2024-01-01T00:00:02Z'],
      ['2024-01-01T00:00:02Z', '2024-01-01T00:00:05Z'],
      ['2024-01-01T00:00:05Z', '2024-01-01T00:00:07Z'],
      ['2024-01-01T00:00:07Z', undefined],
    ]);
    const days = splitRange(Date.parse('2024-01-01T13:00:00Z'), Date.parse('2024-01-11T09:00:00Z'), 3, DAY);
    expect(days.map((p) => [p.from, p.to])).toEqual([
      ['2024-01-01T00:00:00Z', '2024-01-04T00:00:00Z'],
      ['2024-01-04T00:00:00Z', '2024-01-07T00:00:00Z'],
      ['2024-01-07T00:00:00Z', undefined],
    ]);
    // Less than a day: one open partition.
    expect(
      splitRange(Date.parse('2024-01-01T13:00:00Z'), Date.parse('2024-01-01T20:00:00Z'), 3, DAY)
    ).toEqual([{ from: '2024-01-01T00:00:00Z' }]);
  });

  it('asks for a window as one date_range (dates where the API matches by day), an open one as one gte', () => {
    const bounded = { from: '2024-01-04T00:00:00Z', to: '2024-01-07T00:00:00Z' };
    expect(windowQuery('created_at', bounded, true)).toEqual({
      'created_at[date_range]': '2024-01-04~2024-01-06',
    });
    expect(windowQuery('created_at', bounded, false)).toEqual({
      'created_at[date_range]': '2024-01-04T00:00:00Z~2024-01-07T00:00:00Z',
    });
    expect(windowQuery('created_at', { from: '2024-01-07T00:00:00Z' }, true)).toEqual({
      'created_at[gte]': '2024-01-07',
    });
    // A window of an older version, on whole seconds: the days that hold it (trimmed afterwards).
    expect(
      windowQuery('created_at', { from: '2024-01-04T10:20:30Z', to: '2024-01-06T08:00:01Z' }, true)
    ).toEqual({ 'created_at[date_range]': '2024-01-04~2024-01-06' });
  });

  it('keeps a page to its half-open window, and a record whose time does not parse where it came', () => {
    const inPartition = partitionFilter({ from: '2024-01-04T00:00:00Z', to: '2024-01-07T00:00:00Z' });
    const at = (s: string) => parseTimestamp(s);
    expect(inPartition(at('2024-01-04T00:00:00.000Z'))).toBe(true);
    expect(inPartition(at('2024-01-06T23:59:59.999Z'))).toBe(true);
    // Whole-day windows bring the next partition's first day too: it is read there, not here.
    expect(inPartition(at('2024-01-07T00:00:00.000Z'))).toBe(false);
    expect(inPartition(at('2024-01-03T23:59:59.999Z'))).toBe(false);
    expect(partitionFilter({ from: '2024-01-04T00:00:00Z' })(at('2030-01-01T00:00:00Z'))).toBe(true);
    // The server matched it to this window; dropping it would lose it silently.
    for (const odd of ['yesterday', '', null, undefined, 17])
      expect(inPartition(parseTimestamp(odd))).toBe(true);
  });

  it('reads every incident exactly once with pages in flight across partitions', async () => {
    const source = plugin.createSource(
      credential(),
      { max_partitions: 8, page_concurrency: 4, page_sizes: { incidents: 50 } },
      { limiters }
    );
    const { records, states } = await collect(source.read({ streams: ['incidents'] }));
    expect(records).toHaveLength(sim.incidentCount());
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    const mid = states.find((s) => (s.scan as { parts?: unknown[] } | undefined)?.parts);
    expect((mid?.scan as { parts: unknown[] }).parts).toHaveLength(8);
    expect(states.at(-1)).toEqual({ cursor: expect.any(String) });
    expect(sim.stats().invalidRequests).toEqual([]);
    expect(sim.stats().liveRuleViolations).toEqual([]);
  });

  it('resumes from states emitted mid-run (killed at several points): the union is every incident', async () => {
    const config = { max_partitions: 6, page_concurrency: 3, page_sizes: { incidents: 40 } };
    const all = new Set(
      (
        await collect(
          plugin.createSource(credential(), config, { limiters }).read({ streams: ['incidents'] })
        )
      ).records.map((r) => r.id)
    );
    for (const stopAt of [1, 4, 9, 15]) {
      const first = await collect(
        plugin.createSource(credential(), config, { limiters }).read({ streams: ['incidents'] }),
        stopAt
      );
      const resumed = await collect(
        plugin
          .createSource(credential(), config, { limiters })
          .read({ streams: ['incidents'], state: { incidents: first.states.at(-1)! } })
      );
      const union = new Set([...first.records, ...resumed.records].map((r) => r.id));
      expect(union).toEqual(all);
    }
  });

  it('reads a small stream flat: no probes, no partitions', async () => {
    const small = await startSimulator({ incidents: 30, seed: 9, bucket: false });
    try {
      const source = plugin.createSource(
        plugin.validateCredential({ api_key: small.apiKey, base_url: small.url }),
        {},
        { limiters }
      );
      const { records } = await collect(source.read({ streams: ['incidents'] }));
      expect(records).toHaveLength(30);
      // One probe (oldest first, page of 1, with the total) and one partition of one page.
      expect(small.stats().byRoute['GET /v2/incidents']).toBe(2);
    } finally {
      await small.close();
    }
  });
});
