// Every source stream against the simulator seeded with data of every kind: a full sync returns exactly
// the seeded count per stream, every record valid against its schema and every request valid against
// the spec; hidden modes, categories and inactive users are read; deleted parents are skipped and
// counted; custom fields are named (or left nested); incremental syncs return what changed (plus the
// lookback overlap); a read killed at a random state resumes without losing a record; a 403 on one
// stream ends only that stream.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import plugin, { LimiterRegistry, STREAMS, type SourceMessage, type StreamState } from '../../src';
import { loadSchema } from '../../src/validation';
import { startSimulator, type ResourceName, type Simulator } from '../../simulator/src';
import { mulberry32 } from '../../simulator/src/ids';

const INCIDENTS = 80;
const LOOKBACK_MS = 5 * 60_000;
/** Small pages, so that most streams take several (each endpoint's maximum still applies). */
const PAGE_SIZES = {
  incidents: 25,
  incident_updates: 40,
  alerts: 20,
  escalations: 10,
  escalation_paths: 3,
  workflow_runs: 15,
  maintenance_windows: 2,
  alert_routes: 3,
  users: 7,
  teams: 2,
  catalog_entries: 5,
  custom_field_options: 2,
  schedule_overrides: 2,
  status_page_incidents: 2,
  incident_relationships: 1,
  incident_alerts: 1,
};
/** Read per incident: their lists need an incident. */
const PER_INCIDENT = ['incident_attachments', 'incident_relationships', 'incident_participants'];
/** Read in one list for the organisation on a full sync (the spec makes the incident filter optional). */
const ORG_WIDE = ['postmortem_documents', 'incident_alerts'];

let sim: Simulator;
let limiters: LimiterRegistry;

beforeAll(async () => {
  // Seed 2: its first 80 incidents hold every mode and status category (tutorial ones are 2% of all).
  sim = await startSimulator({ incidents: INCIDENTS, seed: 2, size: 'small', bucket: false });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  limiters = new LimiterRegistry();
  sim.clearFaults();
});
afterEach(async () => {
  await limiters.close();
});

function source(config: Record<string, unknown> = {}) {
  const credential = plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
  return plugin.createSource(
    credential,
    { page_sizes: PAGE_SIZES, ...config },
    { limiters, http: { maxRetries: 1, backoffBaseMs: 5, backoffMaxMs: 10 } }
  );
}

type Rec = Record<string, any>;
type Status = Extract<SourceMessage, { type: 'stream_status' }>;

interface Run {
  records: Map<string, Rec[]>;
  states: Map<string, StreamState[]>;
  statuses: Map<string, Status>;
}

async function collect(iter: AsyncIterable<SourceMessage>): Promise<Run> {
  const run: Run = { records: new Map(), states: new Map(), statuses: new Map() };
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
  for await (const m of iter) {
    if (m.type === 'record') push(run.records, m.stream, m.data);
    else if (m.type === 'state') push(run.states, m.stream, m.state);
    else if (m.type === 'stream_status' && m.status !== 'started') run.statuses.set(m.stream, m);
  }
  return run;
}

const recordsOf = (run: Run, stream: string): Rec[] => run.records.get(stream) ?? [];
const lastState = (run: Run, stream: string): StreamState => run.states.get(stream)!.at(-1)!;

function pkOf(stream: string): (r: Rec) => string {
  const def = STREAMS.find((s) => s.name === stream)!;
  return (r) => JSON.stringify(def.primaryKey.map((path) => path.reduce((v: any, k) => v?.[k], r)));
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv, { mode: 'fast' });
const validators = new Map<string, ValidateFunction>();
function validatorOf(stream: string): ValidateFunction {
  let v = validators.get(stream);
  if (!v) {
    v = ajv.compile(loadSchema(`schemas/streams/${stream}.json`));
    validators.set(stream, v);
  }
  return v;
}

describe('a full sync of every stream', () => {
  let full: Run;
  let t0: number;
  let t1: number;

  beforeAll(async () => {
    sim.resetStats();
    limiters = new LimiterRegistry();
    t0 = Date.now();
    full = await collect(source({ stream_concurrency: 4 }).read({ streams: [] }));
    t1 = Date.now();
    await limiters.close();
  });

  it('reads every stream completely: exactly the seeded count, unique primary keys', () => {
    expect(STREAMS).toHaveLength(36);
    const got: Record<string, number> = {};
    const want: Record<string, number> = {};
    for (const s of STREAMS) {
      expect([s.name, full.statuses.get(s.name)?.status]).toEqual([s.name, 'complete']);
      const records = recordsOf(full, s.name);
      got[s.name] = records.length;
      want[s.name] =
        s.name === 'schedule_entries' ? records.length : sim.expectedCount(s.name as ResourceName);
      expect(records.length).toBeGreaterThan(0);
      expect([s.name, new Set(records.map(pkOf(s.name))).size]).toEqual([s.name, records.length]);
      expect(full.statuses.get(s.name)?.records).toBe(records.length);
    }
    expect(got).toEqual(want);
    // schedule_entries depend on the window around "now": what the simulator holds for it then.
    const entries = recordsOf(full, 'schedule_entries').length;
    const a = sim.expectedCount('schedule_entries', { now: t0 });
    const b = sim.expectedCount('schedule_entries', { now: t1 });
    expect(entries).toBeGreaterThanOrEqual(Math.min(a, b));
    expect(entries).toBeLessThanOrEqual(Math.max(a, b));
    // Several streams really paged (a child stream counts its parent's pages).
    for (const s of [
      'incidents',
      'alerts',
      'escalations',
      'users',
      'workflow_runs',
      'incident_participants',
    ]) {
      expect([s, (full.statuses.get(s)?.pages ?? 0) > 1]).toEqual([s, true]);
    }
  });

  it('emits records that validate against their stream schemas', () => {
    for (const s of STREAMS) {
      const validate = validatorOf(s.name);
      for (const r of recordsOf(full, s.name)) {
        const where = `${s.name} ${String(r.id ?? '')}`;
        if (!validate(r)) throw new Error(`${where}: ${ajv.errorsText(validate.errors)}`);
      }
    }
  });

  it('sent only requests that are valid against the spec', () => {
    expect(sim.stats().invalidRequests).toEqual([]);
    expect(sim.stats().byStatus['422']).toBeUndefined();
  });

  it('reads what the API hides by default: test/tutorial incidents, hidden categories, their follow-ups and actions, inactive users', () => {
    const incidents = recordsOf(full, 'incidents');
    expect(new Set(incidents.map((r) => r.mode))).toEqual(
      new Set(['standard', 'retrospective', 'test', 'tutorial'])
    );
    const categories = new Set(incidents.map((r) => r.incident_status.category));
    for (const c of ['declined', 'canceled', 'merged']) expect(categories).toContain(c);
    const modeOf = new Map(incidents.map((r) => [r.id as string, r.mode as string]));
    for (const stream of ['follow_ups', 'actions']) {
      const modes = new Set(recordsOf(full, stream).map((r) => modeOf.get(r.incident_id)));
      expect([stream, modes.has('test'), modes.has('tutorial')]).toEqual([stream, true, true]);
    }
    const users = recordsOf(full, 'users');
    expect(users.filter((u) => !u.is_active)).toHaveLength(4);
  });

  it('reads schedules with their next shifts (25 a page: above that the API leaves next_shifts empty)', () => {
    const schedules = recordsOf(full, 'schedules');
    expect(schedules).toHaveLength(sim.expectedCount('schedules'));
    expect(schedules.filter((x) => x.next_shifts.length > 0).length).toBeGreaterThan(0);
  });

  it('never emits alert source secret tokens', () => {
    const sources = recordsOf(full, 'alert_sources');
    // The API does send them (the simulator too) ...
    expect(
      sim
        .resources()
        .alert_sources.all()
        .some((s) => typeof s.secret_token === 'string')
    ).toBe(true);
    // ... and the source drops them.
    for (const s of sources) expect(s).not.toHaveProperty('secret_token');
    const tokens = sim
      .resources()
      .alert_sources.all()
      .map((s) => s.secret_token)
      .filter(Boolean) as string[];
    const everything = JSON.stringify([...full.records.values()]);
    for (const t of tokens) expect(everything).not.toContain(t);
  });

  it('skips and counts deleted parents instead of failing', () => {
    const deleted = sim.deletedIncidentIds();
    expect(deleted).toHaveLength(2);
    const listed = new Set(recordsOf(full, 'incidents').map((r) => r.id));
    for (const id of deleted) expect(listed.has(id)).toBe(true);
    for (const s of PER_INCIDENT) {
      expect([s, full.statuses.get(s)?.skipped]).toEqual([s, deleted.length]);
      for (const r of recordsOf(full, s)) expect(deleted).not.toContain(r.incident_id ?? r.incident?.id);
    }
    expect(sim.stats().byStatus['404']).toBe(PER_INCIDENT.length * deleted.length);
    // The organisation-wide lists leave out what belongs to a deleted incident: nothing to skip.
    for (const s of ORG_WIDE) {
      expect([s, full.statuses.get(s)?.skipped]).toEqual([s, undefined]);
      for (const r of recordsOf(full, s)) expect(deleted).not.toContain(r.incident_id ?? r.incident?.id);
    }
  });

  it('reads post-mortem documents and incident alerts for the whole organisation, not per incident', () => {
    const byRoute = sim.stats().byRoute;
    for (const s of ORG_WIDE) {
      const def = STREAMS.find((d) => d.name === s)!;
      const size = (PAGE_SIZES as Record<string, number>)[s] ?? def.pageSize!;
      const pages = Math.max(1, Math.ceil(sim.expectedCount(s as never) / size));
      // Pages at the size asked, and perhaps one empty page after a full last one.
      expect([s, byRoute[`GET ${def.path}`] >= pages, byRoute[`GET ${def.path}`] <= pages + 1]).toEqual([
        s,
        true,
        true,
      ]);
    }
  });

  it('custom_fields named: readable values beside the original entries', () => {
    const incidents = recordsOf(full, 'incidents');
    const seen = new Set<string>();
    for (const r of incidents) {
      expect(Object.keys(r.custom_fields).sort()).toEqual([
        'affected_components',
        'affected_team',
        'customer_impact',
        'revenue_at_risk',
        'runbook',
        'service',
      ]);
      const entry = (name: string) =>
        r.custom_field_entries.find((e: Rec) => e.custom_field.name === name).values;
      expect(r.custom_fields.affected_team).toBe(entry('Affected Team')[0]?.value_option.value ?? null);
      expect(r.custom_fields.customer_impact).toBe(entry('Customer Impact')[0]?.value_text ?? null);
      expect(r.custom_fields.affected_components).toEqual(
        entry('Affected Components').map((v: Rec) => v.value_option.value)
      );
      const revenue = entry('Revenue at risk')[0]?.value_numeric;
      expect(r.custom_fields.revenue_at_risk).toBe(revenue === undefined ? null : Number(revenue));
      expect(r.custom_fields.runbook).toBe(entry('Runbook')[0]?.value_link ?? null);
      expect(r.custom_fields.service).toBe(entry('Service')[0]?.value_catalog_entry.name ?? null);
      for (const [k, v] of Object.entries(r.custom_fields)) {
        if (v !== null && !(Array.isArray(v) && v.length === 0))
          seen.add(`${k}:${Array.isArray(v) ? 'array' : typeof v}`);
      }
    }
    // Every kind of value occurs: option labels, text, multi-select arrays, numbers, links, catalog names.
    expect([...seen].sort()).toEqual([
      'affected_components:array',
      'affected_team:string',
      'customer_impact:string',
      'revenue_at_risk:number',
      'runbook:string',
      'service:string',
    ]);
    const serviceNames = new Set(
      sim
        .resources()
        .catalog_entries.all()
        .map((e) => e.name)
    );
    for (const r of incidents) {
      if (r.custom_fields.service) expect(serviceNames.has(r.custom_fields.service)).toBe(true);
    }
  });

  it('custom_fields nested: records stay as the API gave them', async () => {
    const nested = await collect(source({ custom_fields: 'nested' }).read({ streams: ['incidents'] }));
    const named = new Map(recordsOf(full, 'incidents').map((r) => [r.id, r]));
    const records = recordsOf(nested, 'incidents');
    expect(records).toHaveLength(INCIDENTS);
    for (const r of records) {
      expect(r).not.toHaveProperty('custom_fields');
      const { custom_fields: _named, ...rest } = named.get(r.id)!;
      expect(r).toEqual(rest);
    }
  });

  describe('then incremental syncs from its final states', () => {
    it('return the K changed records (plus at most the lookback overlap) and no others', async () => {
      const touched: Record<string, string[]> = {
        incidents: sim.touch('incidents', 5),
        escalations: sim.touch('escalations', 4),
        follow_ups: sim.touch('follow_ups', 3),
        severities: sim.touch('severities', 1),
      };
      const streams = [...Object.keys(touched), 'incident_participants'];
      const state = Object.fromEntries(streams.map((s) => [s, lastState(full, s)]));
      sim.resetStats();
      const inc = await collect(
        source({ lookback_minutes: LOOKBACK_MS / 60_000 }).read({
          streams: streams.map((name) => ({ name, syncMode: 'incremental' as const })),
          state,
        })
      );
      for (const [stream, ids] of Object.entries(touched)) {
        const cursorMs = Date.parse(String(state[stream].cursor));
        const got = recordsOf(inc, stream);
        const gotIds = new Set(got.map((r) => r.id));
        for (const id of ids) expect([stream, gotIds.has(id)]).toEqual([stream, true]);
        // Anything else was already within the lookback window of the previous sync's cursor.
        const overlap = new Set(
          recordsOf(full, stream)
            .filter((r) => Date.parse(r.updated_at) >= cursorMs - LOOKBACK_MS)
            .map((r) => r.id)
        );
        for (const r of got.filter((x) => !ids.includes(x.id)))
          expect([stream, overlap.has(r.id)]).toEqual([stream, true]);
        expect(got.length).toBeLessThanOrEqual(ids.length + overlap.size);
        // (The three severities share one updated_at: all of them are within the overlap.)
        if (stream !== 'severities') expect(got.length).toBeLessThan(recordsOf(full, stream).length / 4);
      }
      // The per-incident child stream re-read exactly the children of the incidents that changed.
      const changedIncidents = new Set(recordsOf(inc, 'incidents').map((r) => r.id));
      const participants = recordsOf(inc, 'incident_participants');
      for (const p of participants) expect(changedIncidents.has(p.incident_id)).toBe(true);
      const deleted = new Set(sim.deletedIncidentIds());
      const expected = sim
        .resources()
        .incident_participants.filter(
          (p) => touched.incidents.includes(p._incident_id) && !deleted.has(p._incident_id)
        );
      expect(expected.length).toBeGreaterThan(0);
      expect(participants.filter((p) => touched.incidents.includes(p.incident_id))).toHaveLength(
        expected.length
      );
      expect(participants.length).toBeLessThan(recordsOf(full, 'incident_participants').length);
      for (const s of streams) expect(inc.statuses.get(s)?.status).toBe('complete');
      expect(sim.stats().invalidRequests).toEqual([]);
    });

    it('catalog entries and schedule overrides: read by their own updated_at, parents unchanged', async () => {
      // Nothing says a catalog type's or a schedule's updated_at moves when an entry or an override
      // changes (the simulator keeps them still): every parent is read, children kept by their own.
      const children = ['catalog_entries', 'schedule_overrides'] as const;
      const touched = {
        catalog_entries: sim.touch('catalog_entries', 3),
        schedule_overrides: sim.touch('schedule_overrides', 2),
      };
      const state = Object.fromEntries(children.map((c) => [c, lastState(full, c)]));
      const run = await collect(
        source({ lookback_minutes: 0 }).read({
          streams: children.map((name) => ({ name, syncMode: 'incremental' as const })),
          state,
        })
      );
      const db = sim.resources();
      for (const stream of children) {
        const cursorMs = Date.parse(String(state[stream].cursor));
        const since = db.get(stream)!.filter((r) => Date.parse(String(r.updated_at)) >= cursorMs);
        const got = recordsOf(run, stream).map((r) => r.id);
        expect([stream, got.sort()]).toEqual([stream, since.map((r) => r.id).sort()]);
        for (const id of touched[stream]) expect(got).toContain(id);
        expect(got.length).toBeLessThan(recordsOf(full, stream).length);
        // The new cursor is the children's own: the touched ones' time.
        expect(Date.parse(String(lastState(run, stream).cursor))).toBeGreaterThan(cursorMs);
        expect(run.statuses.get(stream)?.status).toBe('complete');
      }
    });

    it('alerts: re-read the re-read window before the cursor, picking up alerts resolved since', async () => {
      const windowMinutes = 30 * 24 * 60;
      const state = lastState(full, 'alerts');
      const cursorMs = Date.parse(String(state.cursor));
      const db = sim.resources();
      const newest = db.alerts.all().at(-1)!;
      db.alerts.update(newest.id, { status: 'resolved', resolved_at: db.clock.iso() });
      const run = await collect(
        source({ reread_window_minutes: windowMinutes }).read({
          streams: [{ name: 'alerts', syncMode: 'incremental' }],
          state: { alerts: state },
        })
      );
      const got = recordsOf(run, 'alerts');
      const inWindow = db.alerts.filter((a) => Date.parse(a.created_at) >= cursorMs - windowMinutes * 60_000);
      expect(inWindow.length).toBeGreaterThan(1);
      expect(inWindow.length).toBeLessThan(db.alerts.size);
      expect(got.map((a) => a.id).sort()).toEqual(inWindow.map((a) => a.id).sort());
      expect(got.find((a) => a.id === newest.id)).toMatchObject({ status: 'resolved' });
      // The cursor does not run away: the next read re-reads the same window.
      expect(lastState(run, 'alerts').cursor).toBe(state.cursor);
    });
  });
});

describe('killing a read at a random state and resuming from it', () => {
  const rng = mulberry32(20240607);
  const cases: Array<[string, Record<string, unknown>]> = [
    ['follow_ups', {}], // partitioned by incident_mode
    ['incident_participants', { page_sizes: { incidents: 10 } }], // a child of incidents
    ['alerts', { page_sizes: { alerts: 10 } }], // paginated (parallel created_at partitions)
    ['users', { page_sizes: { users: 4 } }], // paginated, flat
  ];

  it.each(cases)('%s: yields the full set', async (stream, config) => {
    const pk = pkOf(stream);
    const all = await collect(source(config).read({ streams: [stream] }));
    const everything = new Set(recordsOf(all, stream).map(pk));
    expect(everything.size).toBe(sim.expectedCount(stream as ResourceName));
    const states = all.states.get(stream)!.length;
    expect(states).toBeGreaterThan(2);
    // Stop consuming right after a random state that is not the last one.
    const k = 1 + Math.floor(rng() * (states - 1));
    const before: Rec[] = [];
    let resumeFrom: StreamState | undefined;
    let seen = 0;
    for await (const m of source(config).read({ streams: [stream] })) {
      if (m.type === 'record') before.push(m.data);
      if (m.type === 'state' && ++seen === k) {
        resumeFrom = m.state;
        break;
      }
    }
    expect(resumeFrom).toBeDefined();
    expect(before.length).toBeLessThan(everything.size);
    const after = await collect(source(config).read({ streams: [stream], state: { [stream]: resumeFrom! } }));
    expect(after.statuses.get(stream)?.status).toBe('complete');
    const union = new Set([...before, ...recordsOf(after, stream)].map(pk));
    expect(union).toEqual(everything);
  });
});

describe('a 403 on one stream', () => {
  it('ends that stream incomplete with a permission message; the others complete', async () => {
    sim.addFault({ route: 'GET /v2/escalations', kind: 'forbid' });
    const run = await collect(
      source().read({ streams: ['severities', 'escalations', 'users', 'schedules', 'follow_ups'] })
    );
    const failed = run.statuses.get('escalations')!;
    expect(failed.status).toBe('incomplete');
    expect(failed.error?.failureType).toBe('permission');
    expect(failed.error?.message).toMatch(/escalations/);
    expect(failed.error?.message).toMatch(/on_call_viewer|on_call_editor/);
    expect(recordsOf(run, 'escalations')).toHaveLength(0);
    for (const s of ['severities', 'users', 'schedules', 'follow_ups']) {
      expect([s, run.statuses.get(s)?.status]).toEqual([s, 'complete']);
      expect(recordsOf(run, s).length).toBe(sim.expectedCount(s as ResourceName));
    }
  });
});
