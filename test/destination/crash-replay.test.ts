// Exactly once across crashes, through the CLI: a child process writing 500 records of each creating
// action is killed (SIGKILL, requests in flight) at a seeded random point; re-running the same input
// leaves exactly one object per input record in the simulator and answers for every record. Then the
// CLI's --dead-letter file, fixed and fed back, completes the run without duplicates, and --dry-run
// sends nothing.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Simulator } from '../../simulator/src';
import { mulberry32 } from '../../simulator/src/ids';
import { CLI, FAST_HTTP_ENV, jsonLines, makeTempDir, removeTempDir, ROOT, runCli } from '../helpers/cli';
import { liveIncidentIds, startWriteSimulator, WRITER_KEY } from './helpers';

const N = 500;
let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startWriteSimulator({ seed: 21 });
  dir = makeTempDir('incident-io-destination-');
});
afterAll(async () => {
  await sim.close();
  removeTempDir(dir);
});

const db = () => sim.resources();
// Fast retries; the default 30 s deadline, as eleven writers at once can keep the simulator busy.
const env = () => ({
  INCIDENT_IO_CONNECTOR_MAX_RETRIES: FAST_HTTP_ENV.INCIDENT_IO_CONNECTOR_MAX_RETRIES,
  INCIDENT_IO_CONNECTOR_BACKOFF_MS: FAST_HTTP_ENV.INCIDENT_IO_CONNECTOR_BACKOFF_MS,
  INCIDENT_IO_API_KEY: WRITER_KEY,
  INCIDENT_IO_BASE_URL: sim.url,
});

function writeInput(name: string, records: unknown[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(
    file,
    records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n'
  );
  return file;
}

/** SIGKILLs each watched child once its route has answered `killAt` requests (one poll serves all). */
class KillSwitch {
  private readonly watched = new Map<ChildProcess, { route: string; killAt: number }>();
  private timer?: NodeJS.Timeout;

  watch(child: ChildProcess, route: string, killAt: number): void {
    this.watched.set(child, { route, killAt });
    this.timer ??= setInterval(() => this.poll(), 3);
  }

  forget(child: ChildProcess): void {
    this.watched.delete(child);
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private poll(): void {
    const byRoute = sim.stats().byRoute;
    for (const [child, w] of this.watched) {
      if ((byRoute[w.route] ?? 0) >= w.killAt) {
        child.kill('SIGKILL');
        this.forget(child);
      }
    }
  }
}

/** Runs `write`, killed by `kills` at its point; resolves true when it was killed, false when it ended. */
function writeUntilKilled(
  kills: KillSwitch,
  args: string[],
  route: string,
  killAt: number
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env() },
      stdio: 'ignore',
    });
    kills.watch(child, route, killAt);
    const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      kills.forget(child);
      resolve(signal === 'SIGKILL');
    });
  });
}

/** fn over items, at most `width` at a time, results in item order. */
async function pool<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let k = next++; k < items.length; k = next++) out[k] = await fn(items[k]);
    })
  );
  return out;
}

interface Case {
  action: string;
  /** The write route whose requests measure progress. */
  route: string;
  records: () => unknown[];
  /** How many objects each record's key has in the simulator now: must be exactly one each. */
  objectsPerRecord: (records: unknown[]) => number[];
  config?: Record<string, unknown>;
}

const perKey = <T>(items: T[], key: (t: T) => string | undefined) => {
  const m = new Map<string, number>();
  for (const it of items) {
    const k = key(it);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
};

function cases(): Case[] {
  const incidents = liveIncidentIds(sim, 'standard').slice(0, 25);
  const source = db().alert_sources.find((s) => s.name === 'Checkout HTTP alerts')!;
  const now = new Date().toISOString();
  const alerts = Array.from({ length: 25 }, (_, k) =>
    db().alerts.insert({
      id: db().newId('alerts'),
      alert_source_id: source.id,
      title: `Crash target ${k}`,
      deduplication_key: `crash-target-${k}`,
      status: 'firing',
      attributes: [],
      created_at: now,
      updated_at: now,
    })
  );
  const emails = db()
    .users.all()
    .slice(0, 12)
    .map((u) => u.email!);
  const range = (f: (i: number) => unknown) => () => Array.from({ length: N }, (_, i) => f(i));
  const rec = (r: unknown) => r as Record<string, string>;
  return [
    {
      action: 'create_incident',
      route: 'POST /v2/incidents',
      records: range((i) => ({ name: `Crash incident ${i}`, severity: 'Minor', mode: 'test' })),
      objectsPerRecord: (records) => {
        const store = db().incidents;
        const names: string[] = [];
        for (let i = 0; i < store.count(); i++) names.push(store.record(i).name);
        const m = perKey(names, (n) => n);
        return records.map((r) => m.get(rec(r).name) ?? 0);
      },
    },
    {
      action: 'send_alert_event',
      route: 'POST /v2/alert_events/http/{alert_source_config_id}',
      records: range((i) => ({
        alert_source: 'Checkout HTTP alerts',
        title: `Crash alert ${i}`,
        metadata: { i },
      })),
      objectsPerRecord: (records) => {
        const m = perKey(db().alerts.all(), (a) => a.title);
        return records.map((r) => m.get(rec(r).title) ?? 0);
      },
    },
    {
      action: 'upsert_catalog_entries',
      route: 'POST /v3/catalog_entries',
      records: range((i) => ({
        catalog_type: 'Customer',
        external_id: `crash-${i}`,
        name: `Crash customer ${i}`,
        attributes: { Plan: 'team', 'Annual revenue': i },
      })),
      objectsPerRecord: (records) => {
        const m = perKey(db().catalog_entries.all(), (e) => e.external_id);
        return records.map((r) => m.get(rec(r).external_id) ?? 0);
      },
    },
    {
      action: 'create_follow_up',
      route: 'POST /v2/follow_ups',
      records: range((i) => ({ incident_id: incidents[i % 25], title: `Crash follow-up ${i}` })),
      objectsPerRecord: (records) => {
        const m = perKey(db().follow_ups.all(), (f) => `${f.incident_id}/${String(f.title)}`);
        return records.map((r) => m.get(`${rec(r).incident_id}/${rec(r).title}`) ?? 0);
      },
    },
    {
      action: 'create_action',
      route: 'POST /v2/actions',
      records: range((i) => ({ incident_id: incidents[i % 25], description: `Crash action ${i}` })),
      objectsPerRecord: (records) => {
        const m = perKey(db().actions.all(), (a) => `${a.incident_id}/${String(a.description)}`);
        return records.map((r) => m.get(`${rec(r).incident_id}/${rec(r).description}`) ?? 0);
      },
    },
    {
      action: 'create_custom_field_option',
      route: 'POST /v1/custom_field_options',
      records: range((i) => ({ custom_field: 'Affected Components', value: `Crash option ${i}` })),
      objectsPerRecord: (records) => {
        const m = perKey(db().custom_field_options.all(), (o) => o.value);
        return records.map((r) => m.get(rec(r).value) ?? 0);
      },
    },
    {
      action: 'create_incident_attachment',
      route: 'POST /v1/incident_attachments',
      records: range((i) => ({
        incident_id: incidents[i % 25],
        resource_type: 'jira_issue',
        external_id: `CRASH-${i}`,
      })),
      objectsPerRecord: (records) => {
        const m = perKey(
          db().incident_attachments.all(),
          (a) => `${a.incident_id}/${a.resource.external_id}`
        );
        return records.map((r) => m.get(`${rec(r).incident_id}/${rec(r).external_id}`) ?? 0);
      },
    },
    {
      action: 'create_escalation',
      route: 'POST /v2/escalations',
      records: range((i) => ({ title: `Crash escalation ${i}`, escalation_path: 'Platform escalation' })),
      objectsPerRecord: (records) => {
        const m = perKey(db().escalations.all(), (e) => String(e.title));
        return records.map((r) => m.get(rec(r).title) ?? 0);
      },
    },
    {
      action: 'create_schedule_override',
      route: 'POST /v2/schedule_overrides',
      records: range((i) => ({
        schedule: 'Platform on-call',
        user: emails[i % 12],
        start_at: new Date(Date.UTC(2028, 0, 1) + i * 86_400_000).toISOString(),
        end_at: new Date(Date.UTC(2028, 0, 1) + i * 86_400_000 + 8 * 3_600_000).toISOString(),
      })),
      objectsPerRecord: (records) => {
        const m = perKey(db().schedule_overrides.all(), (o) => `${o.user?.email}/${Date.parse(o.start_at)}`);
        return records.map((r) => m.get(`${rec(r).user}/${Date.parse(rec(r).start_at)}`) ?? 0);
      },
    },
    {
      action: 'create_alert_note',
      route: 'POST /v1/alert_notes',
      records: range((i) => ({ alert_id: alerts[i % 25].id, content: `Crash note ${i}` })),
      objectsPerRecord: (records) => {
        const m = perKey(db().alert_notes.all(), (n) => `${n.alert_id}/${String(n.content)}`);
        return records.map((r) => m.get(`${rec(r).alert_id}/${rec(r).content}`) ?? 0);
      },
    },
    {
      action: 'create_status_page_incident',
      route: 'POST /v2/status_page_incidents',
      records: range((i) => ({
        status_page: 'Acme status',
        name: `Crash SPI ${i}`,
        message: 'Investigating',
      })),
      objectsPerRecord: (records) => {
        const m = perKey(db().status_page_incidents.all(), (s) => s.name);
        return records.map((r) => m.get(rec(r).name) ?? 0);
      },
    },
  ];
}

describe('crash and replay', () => {
  it(`leaves exactly one object per record for every creating action (${N} records, killed at seeded points)`, async () => {
    const all = cases();
    const rng = mulberry32(20261127);
    const planned = all.map((c) => {
      const records = c.records();
      const input = writeInput(`${c.action}.jsonl`, records);
      const args = ['write', '--action', c.action, '--input', input];
      if (c.config) {
        const file = path.join(dir, `${c.action}.config.json`);
        fs.writeFileSync(file, JSON.stringify(c.config));
        args.push('--config', file);
      }
      // Somewhere after the first requests, before most of them (each seeded point differs).
      return { c, records, args, killAt: 10 + Math.floor(rng() * 190) };
    });
    sim.resetStats();
    const kills = new KillSwitch();
    const outcomesOf = await pool(planned, 6, async (p) => {
      const killed = await writeUntilKilled(kills, p.args, p.c.route, p.killAt);
      const afterCrash = p.c.objectsPerRecord(p.records);
      const replay = await runCli(p.args, { env: env(), timeoutMs: 100_000 });
      return { killed, afterCrash, replay };
    });
    for (const [k, p] of planned.entries()) {
      const { killed, afterCrash, replay } = outcomesOf[k];
      // The crash really happened part-way: some records written, not all, none twice.
      expect({ action: p.c.action, killed }).toEqual({ action: p.c.action, killed: true });
      expect(afterCrash.filter((n) => n > 0).length).toBeLessThan(N);
      expect(Math.max(...afterCrash)).toBeLessThanOrEqual(1);
      const results = jsonLines(replay.stdout);
      expect({
        action: p.c.action,
        code: replay.code,
        notOk: results.filter((r) => r.status !== 'ok'),
      }).toEqual({ action: p.c.action, code: 0, notOk: [] });
      // The second run answers for every record, in order, and all of them are written.
      expect(results.map((r) => r.index)).toEqual(p.records.map((_, i) => i));
      expect(results.filter((r) => r.status === 'ok')).toHaveLength(N);
      // Exactly one object per input record.
      const counts = p.c.objectsPerRecord(p.records);
      expect({ action: p.c.action, notOne: counts.filter((n) => n !== 1).length }).toEqual({
        action: p.c.action,
        notOne: 0,
      });
    }
    expect(sim.stats().invalidRequests).toEqual([]);
    // About 30 s alone on two cores; a loaded machine (the whole suite at once) gets more room.
  }, 180_000);
});

describe('the CLI write flags', () => {
  it('--dead-letter collects rejected and failed records with their reasons; fixed and fed back, they land once', async () => {
    sim.resetStats();
    const records: unknown[] = Array.from({ length: 30 }, (_, i) => ({
      name: `Dead letter ${i}`,
      severity: i === 4 || i === 17 ? 'Sev-Zero' : 'Major',
    }));
    records.splice(9, 0, 'this line is not JSON');
    const input = writeInput('dead-in.jsonl', records);
    const deadFile = path.join(dir, 'dead.jsonl');
    const config = path.join(dir, 'dead.config.json');
    fs.writeFileSync(config, JSON.stringify({ concurrency: 1 }));
    // The 21st create fails on every attempt (three 503s): a failed record.
    sim.addFault({ route: 'POST /v2/incidents', kind: '503', after: 20, count: 3 });
    const first = await runCli(
      [
        'write',
        '--action',
        'create_incident',
        '--input',
        input,
        '--config',
        config,
        '--dead-letter',
        deadFile,
      ],
      { env: env() }
    );
    sim.clearFaults();
    expect(first.code).toBe(1);
    const results = jsonLines(first.stdout);
    expect(results.map((r) => r.status).filter((s) => s !== 'ok')).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'failed',
    ]);
    expect(first.stderr).toMatch(/4 written to the dead-letter file/);
    const dead = jsonLines(fs.readFileSync(deadFile, 'utf8'));
    expect(dead.map((d) => (d._dead_letter as { status: string }).status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'failed',
    ]);
    expect(dead[0]).toMatchObject({
      name: 'Dead letter 4',
      _dead_letter: { index: 4, problems: [{ field: '/severity' }] },
    });
    expect(dead[1]).toMatchObject({ _line: 'this line is not JSON', _dead_letter: { index: 9 } });
    expect(dead[3]._dead_letter).toMatchObject({
      status: 'failed',
      httpStatus: 503,
      requestId: expect.any(String),
    });

    // Fix: a known severity, the non-JSON line replaced; the failed one is fed back as it is.
    const fixed = dead.map((d) =>
      d._line !== undefined
        ? JSON.stringify({ name: 'Dead letter replacement', severity: 'Minor' })
        : JSON.stringify({ ...d, severity: d.severity === 'Sev-Zero' ? 'Critical' : d.severity })
    );
    const fixedFile = writeInput('dead-fixed.jsonl', fixed);
    const second = await runCli(
      ['write', '--action', 'create_incident', '--input', fixedFile, '--dead-letter', deadFile],
      {
        env: env(),
      }
    );
    expect(second.code).toBe(0);
    expect(jsonLines(second.stdout).map((r) => r.outcome)).toEqual([
      'created',
      'created',
      'created',
      'created',
    ]);
    expect(fs.readFileSync(deadFile, 'utf8')).toBe('');

    // The whole original input again: nothing is created twice.
    const third = await runCli(['write', '--action', 'create_incident', '--input', input], { env: env() });
    expect(jsonLines(third.stdout).filter((r) => r.outcome === 'created')).toHaveLength(0);
    const store = db().incidents;
    const names = new Map<string, number>();
    for (let i = 0; i < store.count(); i++)
      names.set(store.record(i).name, (names.get(store.record(i).name) ?? 0) + 1);
    for (let i = 0; i < 30; i++) expect(names.get(`Dead letter ${i}`)).toBe(1);
    expect(names.get('Dead letter replacement')).toBe(1);
  });

  it('--dry-run sends no write and prints what it would send', async () => {
    sim.resetStats();
    const input = writeInput('dry.jsonl', [
      { name: 'Dry CLI', severity: 'Major' },
      { name: 'Dry CLI 2', severity: 'Minor' },
    ]);
    const r = await runCli(['write', '--action', 'create_incident', '--input', input, '--dry-run'], {
      env: env(),
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/dry run: nothing was sent/);
    const results = jsonLines(r.stdout);
    expect(results).toEqual([
      expect.objectContaining({
        status: 'ok',
        dryRun: true,
        request: expect.objectContaining({ method: 'POST', path: '/v2/incidents' }),
      }),
      expect.objectContaining({ status: 'ok', dryRun: true }),
    ]);
    expect(sim.stats().byRoute['POST /v2/incidents'] ?? 0).toBe(0);
  });
});
