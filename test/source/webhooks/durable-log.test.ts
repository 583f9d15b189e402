// The durable log under a crash: a line half written when the process died is cut off on reopening,
// whole lines stay, and appends go on after them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableLog } from '../../../src/source/webhooks/durable-log';

test('a torn last line is cut off on reopening; whole lines and later appends stay', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-log-'));
  const file = path.join(dir, 'events.log');
  try {
    const log = new DurableLog<{ n: number; text: string }>(file);
    await Promise.all([1, 2, 3].map((n) => log.append({ n, text: `entry ${n} é` })));
    log.close();
    fs.appendFileSync(file, '{"n":4,"text":"entry 4 hal');
    const reopened = new DurableLog<{ n: number; text: string }>(file);
    expect(reopened.slice(0).map((e) => e.n)).toEqual([1, 2, 3]);
    await reopened.append({ n: 5, text: 'after' });
    reopened.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { n: number }).n)).toEqual([1, 2, 3, 5]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
