// `read … | head` and `write … | head`: the reader of stdout goes away mid-run. The CLI stops quietly
// with exit code 141 (as a process killed by SIGPIPE), never with an unhandled EPIPE stack trace, and
// saves no state past the records it delivered, so a resume from the state file loses nothing.
import fs from 'node:fs';
import path from 'node:path';
import { CLI, jsonLines, runProcess } from '../helpers/cli';
import { expectNoCrash } from '../helpers/no-crash';
import { shellQuote } from './helpers/pty';
import { useCliSimulator } from './helpers/cli-sim';

const h = useCliSimulator({ incidents: 140, seed: 41 });

const cli = (...args: string[]) => [process.execPath, CLI, ...args].map(shellQuote).join(' ');

/** Runs `producer | head -n lines > file` and returns the producer's own exit code and stderr. */
async function intoHead(producer: string, lines: number, out: string) {
  const rc = path.join(h.tmp, 'rc');
  const r = await runProcess(
    'bash',
    [
      '-c',
      `${producer} | head -n ${lines} > ${shellQuote(out)}; echo "\${PIPESTATUS[0]}" > ${shellQuote(rc)}`,
    ],
    { env: h.env(), timeoutMs: 60_000 }
  );
  return { ...r, code: Number(fs.readFileSync(rc, 'utf8').trim()) };
}

const ids = (text: string) =>
  jsonLines(text)
    .filter((m) => m.type === 'record')
    .map((m) => String((m.data as { id: string }).id));

test('a read whose reader closes stops with 141 and resumes from its state file without a loss', async () => {
  const config = path.join(h.tmp, 'source.json');
  fs.writeFileSync(config, JSON.stringify({ page_sizes: { incidents: 25 }, max_partitions: 1 }));
  const state = path.join(h.tmp, 'state.json');
  const got = path.join(h.tmp, 'first.jsonl');
  const first = await intoHead(
    cli('read', '--stream', 'incidents', '--config', config, '--state-file', state),
    40,
    got
  );
  expectNoCrash('read | head', first);
  expect(first.code).toBe(141);
  expect(first.stderr).toMatch(/the output was closed by its reader/);
  const firstIds = ids(fs.readFileSync(got, 'utf8'));
  expect(firstIds.length).toBeGreaterThan(0);
  expect(firstIds.length).toBeLessThan(140);

  const rest = await runProcess(
    process.execPath,
    [CLI, 'read', '--stream', 'incidents', '--config', config, '--state-file', state],
    { env: h.env(), timeoutMs: 60_000 }
  );
  expect(rest.code).toBe(0);
  // Every incident was delivered by one run or the other.
  expect(new Set([...firstIds, ...ids(rest.stdout)]).size).toBe(140);
});

test('a write whose reader closes stops with 141; the same input re-run creates nothing twice', async () => {
  const input = path.join(h.tmp, 'in.jsonl');
  const records = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({ name: `Output closed ${i}`, mode: 'test', severity: 'Minor', summary: 'x'.repeat(400) })
  );
  fs.writeFileSync(input, `${records.join('\n')}\n`);
  const first = await intoHead(
    cli('write', '--action', 'create_incident', '--input', input),
    1,
    path.join(h.tmp, 'first.jsonl')
  );
  expectNoCrash('write | head', first);
  expect(first.code).toBe(141);
  expect(first.stderr).toMatch(/the output was closed by its reader after \d+ record/);
  const createdFirst = h.sim.stats().created.incidents;
  expect(createdFirst).toBeLessThan(300);

  const again = await runProcess(
    process.execPath,
    [CLI, 'write', '--action', 'create_incident', '--input', input],
    {
      env: h.env(),
      timeoutMs: 60_000,
    }
  );
  expect(again.code).toBe(0);
  expect(jsonLines(again.stdout).filter((r) => r.status === 'ok')).toHaveLength(300);
  expect(h.sim.stats().created.incidents).toBe(300);
});
