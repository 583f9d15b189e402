// The plain progress lines of a read (stderr not a terminal), driven with a clock of our own: the rate
// is measured over the last seconds, never from the first page alone, and an ETA appears where a
// total is known.
import { formatDuration, ProgressDisplay, RateMeter } from '../../src/host/progress-display';
import { Redactor } from '../../src/host/redact';

describe('RateMeter', () => {
  it('gives no rate after one page, however fast it came', () => {
    const meter = new RateMeter(0);
    meter.add(1, 250); // 250 records in 1 ms: the old display said 250000 records/s
    expect(meter.rate()).toBeUndefined();
  });

  it('measures over the last 10 s once two pages span a second', () => {
    const meter = new RateMeter(0);
    meter.add(500, 100);
    meter.add(900, 200);
    expect(meter.rate()).toBeUndefined(); // under a second
    meter.add(2000, 400);
    expect(meter.rate()).toBe(200);
    // Slower now: the window follows the recent pages, not the whole run's average.
    for (let t = 3000, n = 400; t <= 30_000; t += 1000, n += 10) meter.add(t, n);
    expect(meter.rate()).toBeCloseTo(10, 0);
  });
});

describe('ProgressDisplay (plain lines)', () => {
  let lines: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    lines = [];
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk).trimEnd());
      return true;
    });
  });
  afterEach(() => spy.mockRestore());

  it('says "measuring" until it can tell, then the rate and the ETA to the total', () => {
    let now = 0;
    const p = new ProgressDisplay({ redactor: new Redactor(), live: false, now: () => now });
    p.started('incidents');
    p.estimate('incidents', 1000);
    now = 1000;
    p.page('incidents', 250);
    now = 2000;
    p.page('incidents', 500);
    p.done('incidents', 1000, 4);
    p.stop();
    expect(lines).toEqual([
      'incidents: 250/1000 records, 1 page, rate: measuring',
      'incidents: 500/1000 records, 2 pages, 250/s, ETA 2s',
      'incidents: complete — 1000 records in 4 pages',
    ]);
  });

  it('-q: no progress lines, but an incomplete stream is still told', () => {
    let now = 0;
    const p = new ProgressDisplay({ redactor: new Redactor(), live: false, quiet: true, now: () => now });
    p.started('alerts');
    now = 5000;
    p.page('alerts', 10);
    p.incomplete('alerts', 'the key lacks a role');
    expect(lines).toEqual(['alerts: incomplete — the key lacks a role']);
  });
});

describe('formatDuration', () => {
  it('reads as a person would say it', () => {
    expect([formatDuration(4.4), formatDuration(75), formatDuration(3 * 3600 + 120)]).toEqual([
      '4s',
      '1m15s',
      '3h02m',
    ]);
  });
});
