// Backfills paged in parallel time partitions: every record exactly once (also on a partition edge),
// and resuming from any state emitted mid-run loses nothing.
import plugin, { LimiterRegistry, SourceMessage, StreamState } from '../src';
import { IncidentIoClient } from '../src/http/client';
import { validateSourceConfig } from '../src/source/config';
import { readPartitioned, splitRange } from '../src/source/partitioned-read';
import { incidents } from '../src/source/streams/incidents';
import { startSimulator, Simulator } from '../src/simulator';

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
  it('splits a range into whole-second, half-open slices with an open last one', () => {
    const parts = splitRange(Date.parse('2024-01-01T00:00:00.500Z'), Date.parse('2024-01-01T00:00:10Z'), 4);
    expect(parts.map((p) => [p.from, p.to])).toEqual([
      ['2024-01-01T00:00:00Z', '2024-01-01T00:00:02Z'],
      ['2024-01-01T00:00:02Z', '2024-01-01T00:00:05Z'],
      ['2024-01-01T00:00:05Z', '2024-01-01T00:00:07Z'],
      ['2024-01-01T00:00:07Z', undefined],
    ]);
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

  it('puts a record that lies exactly on a partition boundary in exactly one partition', async () => {
    const client = new IncidentIoClient(credential(), { limiters });
    const everything = (
      await collect(
        plugin
          .createSource(credential(), { max_partitions: 1 }, { limiters })
          .read({ streams: ['incidents'] })
      )
    ).records;
    const created = everything.map((r) => Date.parse(String(r.created_at)));
    const earliest = Math.floor(Math.min(...created) / 1000) * 1000;
    // A record in the middle whose created_at has no fraction of a second becomes the boundary.
    const onEdge = everything.find((r, i) => i > 300 && /:\d\dZ$/.test(String(r.created_at)))!;
    const edgeMs = Date.parse(String(onEdge.created_at));
    const config = validateSourceConfig({});
    const run = readPartitioned(incidents, client, {
      syncMode: 'full_refresh',
      config,
      partitions: 2,
      workers: 2,
      now: () => 2 * edgeMs - earliest,
    });
    const { records, states } = await collect(run);
    const parts = (states.find((s) => s.scan)!.scan as { parts: Array<{ from: string; to?: string }> }).parts;
    expect(Date.parse(parts[0].to!)).toBe(edgeMs);
    expect(records.filter((r) => r.id === onEdge.id)).toHaveLength(1);
    expect(records).toHaveLength(everything.length);
    client.close();
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
