// The README's two pipes, run as a shell runs them: a read in Singer format into the in-repo Singer
// target (examples/singer-target-jsonl.js), and a read in Airbyte format into the CLI as an Airbyte
// destination. Each loses no record (the simulator says how many there are) and resumes from the state
// its consumer hands back: a first run stopped part way (--limit) and a second one from that state
// together hold every record.
import fs from 'node:fs';
import path from 'node:path';
import { CLI, ROOT, runProcess } from '../helpers/cli';
import { expectAirbyteMessages } from './helpers/airbyte-schema';
import { shellQuote } from './helpers/pty';
import { useCliSimulator } from './helpers/cli-sim';

const TARGET = path.join(ROOT, 'examples/singer-target-jsonl.js');

const h = useCliSimulator({ incidents: 140, seed: 33 });
/** No key in the environment: the config files hold it. */
const env = () => h.keyless();

function file(name: string, value: unknown): string {
  const f = path.join(h.tmp, name);
  fs.writeFileSync(f, JSON.stringify(value));
  return f;
}

/** The one config file of Airbyte and Singer: the credential beside the source config (small pages). */
const sourceConfig = () =>
  file('source.json', {
    api_key: h.sim.apiKey,
    base_url: h.sim.url,
    page_sizes: { incidents: 25 },
    max_partitions: 1,
  });

const cli = (...args: string[]) => [process.execPath, CLI, ...args].map(shellQuote).join(' ');

/** Runs `a | b` in bash, failing on either side (pipefail). */
function pipe(a: string, b: string) {
  return runProcess('bash', ['-o', 'pipefail', '-c', `${a} | ${b}`], { env: env(), timeoutMs: 60_000 });
}

const lines = (f: string) =>
  fs.existsSync(f)
    ? fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];

describe('a Singer read into a Singer target', () => {
  it('loses no record and resumes from the state the target echoes', async () => {
    const out = path.join(h.tmp, 'out');
    // Each run's states go to a file of their own: `> file` empties it before the read could take it.
    const stateFile = path.join(h.tmp, 'state.jsonl');
    const read = (...extra: string[]) =>
      cli(
        '--format',
        'singer',
        'read',
        '--stream',
        'incidents',
        '--stream',
        'severities',
        '--config',
        sourceConfig(),
        ...extra
      );
    const target = (states: string) =>
      `${[process.execPath, TARGET, '--output-dir', out].map(shellQuote).join(' ')} > ${shellQuote(states)}`;

    // Stopped part way: the target's last state is the last complete page before the stop.
    const first = await pipe(read('--limit', '60'), target(stateFile));
    expect(first.code).toBe(0);
    const afterFirst = lines(path.join(out, 'incidents.jsonl')).length;
    expect(afterFirst).toBe(60);
    const state = lines(stateFile).at(-1) as { bookmarks: Record<string, unknown> };
    expect(Object.keys(state.bookmarks).sort()).toEqual(['incidents', 'severities']);

    // Resumed from that state (the target's stdout file, as it is): the rest of the stream.
    const second = await pipe(read('--state', stateFile), target(path.join(h.tmp, 'state-2.jsonl')));
    expect(second.code).toBe(0);
    const incidents = lines(path.join(out, 'incidents.jsonl'));
    const ids = new Set(incidents.map((r) => r.id));
    expect(ids.size).toBe(h.sim.expectedCount('incidents'));
    // Only the page cut by --limit was read twice: the second run started at the state, not over.
    expect(incidents.length - ids.size).toBeLessThan(25);
    expect(new Set(lines(path.join(out, 'severities.jsonl')).map((r) => r.id)).size).toBe(
      h.sim.expectedCount('severities')
    );
  });
});

describe('an Airbyte read into the CLI as an Airbyte destination', () => {
  it('loses no record and resumes from the states the destination echoes', async () => {
    const catalog = file('catalog.json', {
      streams: [
        {
          stream: {
            name: 'incidents',
            json_schema: {},
            supported_sync_modes: ['full_refresh', 'incremental'],
          },
          sync_mode: 'incremental',
          destination_sync_mode: 'append_dedup',
          primary_key: [['id']],
        },
      ],
    });
    // Every incident becomes (or updates) a catalog entry keyed by its id.
    const destination = file('destination.json', {
      api_key: h.sim.apiKey,
      base_url: h.sim.url,
      action: 'upsert_catalog_entries',
      mapping: { catalog_type: { const: 'Customer' }, external_id: '/id', name: '/name' },
    });
    const read = (...extra: string[]) =>
      cli('--format', 'airbyte', 'read', '--config', sourceConfig(), '--catalog', catalog, ...extra);
    const states = path.join(h.tmp, 'states.jsonl');
    const write = (to: string) =>
      `${cli('--format', 'airbyte', 'write', '--config', destination, '--catalog', catalog)} > ${shellQuote(to)}`;
    const entries = () =>
      new Set(
        h.sim
          .resources()
          .catalog_entries.filter((e) => typeof e.external_id === 'string' && e.external_id.startsWith('01'))
          .map((e) => e.external_id as string)
      );
    const before = entries().size;

    const first = await pipe(read('--limit', '60'), write(states));
    expect(first.code).toBe(0);
    const echoed = expectAirbyteMessages(lines(states)).filter((m) => m.type === 'STATE');
    expect(echoed.length).toBeGreaterThan(0);
    const firstWritten = entries().size - before;
    expect(firstWritten).toBe(60);

    // The states the destination echoed, as they are, are the next run's --state.
    const second = await pipe(read('--state', states), write(path.join(h.tmp, 'states-2.jsonl')));
    expect(second.code).toBe(0);
    expectAirbyteMessages(lines(path.join(h.tmp, 'states-2.jsonl')));
    expect(entries().size - before).toBe(h.sim.expectedCount('incidents'));
    // The second run started at the last state echoed, not over: fewer records than the stream holds.
    const secondIn = Number(/write upsert_catalog_entries: (\d+) in/.exec(second.stderr)?.[1]);
    expect(secondIn).toBeGreaterThan(0);
    expect(secondIn).toBeLessThan(h.sim.expectedCount('incidents'));
  });
});
