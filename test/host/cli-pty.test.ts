// What the CLI does on a terminal, run under a real pseudo-terminal (util-linux `script`): the live
// progress display of a read, `write` saying it waits for stdin, and `credentials list` as a table.
// The same commands off a terminal print plain lines and JSON (checked here and in cli-terminal).
import fs from 'node:fs';
import path from 'node:path';
import { CLI, jsonLines, runCli } from '../helpers/cli';
import { plainText, runInPty, shellQuote } from './helpers/pty';
import { useCliSimulator } from './helpers/cli-sim';

const h = useCliSimulator({ incidents: 150, seed: 61 });
const env = () => h.env();

const cli = (...args: string[]) => [process.execPath, CLI, ...args].map(shellQuote).join(' ');

describe('read on a terminal', () => {
  it('draws a live display per stream and overall, with a bar where incident.io gives a total', async () => {
    const config = path.join(h.home, 'source.json');
    fs.writeFileSync(config, JSON.stringify({ page_sizes: { incidents: 25 }, max_partitions: 1 }));
    const out = path.join(h.home, 'records.jsonl');
    // A terminal wide enough for the whole lines (the display cuts them at the terminal's width).
    const r = await runInPty(
      `stty cols 200; ${cli('read', '--stream', 'incidents', '--stream', 'severities', '--config', config)} > ${shellQuote(out)}`,
      { env: env() }
    );
    expect(r.code).toBe(0);
    // Redrawn in place: cursor movements and line clears, not one line per update.
    expect(r.stdout).toMatch(/\x1b\[\d*[AGK]/);
    const screen = plainText(r.stdout);
    const total = h.sim.expectedCount('incidents');
    // The final frame: each stream's line and the overall one, with the bar of a stream with a total.
    expect(screen).toMatch(new RegExp(`incidents +█+ complete: ${total} records in \\d+ pages`));
    expect(screen).toMatch(/severities +complete: \d+ records in 1 page/);
    // Overall: no bar, as severities has no total; the waits for the key's rate limit.
    expect(screen).toMatch(
      new RegExp(`overall +2/2 streams, ${total + 3} records, \\d+ pages, .*rate-limit waits? \\(`)
    );
    // While it ran: the incidents' bar partly filled, with its total.
    expect(screen).toMatch(new RegExp(`incidents +█+░+ \\d+/${total} records`));
    expect(screen).toMatch(new RegExp(`read ${total + 3} records from 2 stream\\(s\\)`));
    // stdout (redirected) holds the data alone.
    expect(jsonLines(fs.readFileSync(out, 'utf8')).filter((l) => l.type === 'record')).toHaveLength(
      total + 3
    );
  });

  it('prints plain lines when stderr is not a terminal, with no rate from a first page alone', async () => {
    const r = await runCli(['read', '--stream', 'severities'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/\x1b\[/);
    expect(r.stderr).not.toContain('█');
    // One page: too little to measure a rate (the old display said thousands of records/s here).
    expect(r.stderr).toMatch(/severities: 3 records, 1 page, rate: measuring/);
    expect(r.stderr).not.toMatch(/\d\/s/);
  });
});

describe('write on a terminal', () => {
  it('says it is waiting for JSON lines on stdin, then writes what is typed', async () => {
    const line = JSON.stringify({ name: 'Typed at a terminal', severity: 'Minor', mode: 'test' });
    const r = await runInPty(cli('write', '--action', 'create_incident', '--dry-run'), {
      env: env(),
      // Typed after the prompt: a line, then Ctrl-D.
      input: `${line}\n\x04`,
    });
    expect(r.code).toBe(0);
    const screen = plainText(r.stdout);
    expect(screen).toMatch(
      /waiting for JSON lines on stdin, one create_incident record per line \(Ctrl-D to end/
    );
    expect(screen).toMatch(/"outcome":"would_create"/);
    expect(screen).toMatch(/dry run: nothing was sent/);
  });

  it('says nothing of the kind when stdin is a pipe', async () => {
    const r = await runCli(['write', '--action', 'create_incident', '--dry-run'], { env: env(), input: '' });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/waiting for/);
  });
});

describe('credentials list on a terminal', () => {
  it('is a table, the default marked, never the key', async () => {
    for (const name of ['main', 'backup']) {
      const add = await runCli(['credentials', 'add', '--name', name, '--description', `${name} key`], {
        env: env(),
      });
      expect(add.code).toBe(0);
    }
    expect((await runCli(['credentials', 'default', 'backup'], { env: env() })).code).toBe(0);
    const r = await runInPty(cli('credentials', 'list'), { env: env() });
    expect(r.code).toBe(0);
    const screen = plainText(r.stdout);
    expect(screen).toMatch(/│ *│ name *│ key *│ roles/);
    expect(screen).toMatch(/│ *│ main *│ Simulator default key *│/);
    expect(screen).toMatch(/│ \* *│ backup *│ Simulator default key *│/);
    expect(screen).toMatch(/\* the default credential/);
    expect(screen).not.toContain(h.sim.apiKey);
  });
});
