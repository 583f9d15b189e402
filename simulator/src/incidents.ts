// Incidents, generated lazily from (seed, index): nothing is stored per seeded incident, so a million
// of them cost no memory. Filterable attributes repeat with a period of PATTERN_SIZE, which lets the
// list count matches in O(PATTERN_SIZE) instead of O(dataset). created_at increases with the index, so
// time windows are found by binary search. Created and touched incidents live in small overlays.
import {
  CF,
  CUSTOM_FIELDS,
  DASHBOARD_URL,
  DURATION_METRICS,
  INCIDENT_ROLES,
  INCIDENT_TIMESTAMPS,
  INCIDENT_TYPES,
  SERVICE_ENTRIES,
  SEVERITIES,
  SLACK_TEAM_ID,
  STATUSES,
  USERS,
  WORKFLOWS,
} from './config';
import { decodeId, hashString, hex, makeId, mix, mulberry32, pick, type Rng } from './ids';
import { formatTimeUs } from './query';

export const MODES = ['standard', 'retrospective', 'test', 'tutorial'] as const;
export type Mode = (typeof MODES)[number];

/** The attributes list filters look at. Indexes point into the config arrays; -1 means unset. */
export interface Attrs {
  mode: Mode;
  status: number;
  severity: number;
  type: number;
  visibility: 'public' | 'private';
  team: number;
  lead: number;
  reporter: number;
}

/** Everything besides timestamps needed to render one IncidentV2 (seeded ones are rebuilt on demand). */
export interface IncidentRecord {
  attrs: Attrs;
  name: string;
  summary?: string;
  creator: Record<string, unknown>;
  customerImpact?: string;
  impactStartedUs?: number;
  callUrl?: string;
  hasDebrief: boolean;
  postmortemUrl?: string;
  externalIssue?: { provider: string; issue_name: string; issue_permalink: string };
  workloadMinutes?: number;
  slackChannelId: string;
  slackChannelName: string;
  idempotencyKey?: string;
  /** Values of the custom fields after Affected Team and Customer Impact (see config CF). */
  extraFields?: ExtraFieldValues;
}

/** A catalog entry as embedded in a custom field value (EmbeddedCatalogEntryV2). */
export interface EmbeddedCatalogEntry {
  id: string;
  name: string;
  external_id?: string;
  aliases?: string[];
}

export interface ExtraFieldValues {
  /** Option indexes of Affected Components (multi select). */
  components?: number[];
  /** Revenue at risk (numeric, as the API's string). */
  revenue?: string;
  /** Runbook (link). */
  runbook?: string;
  /** Service (catalog-backed single select). */
  service?: EmbeddedCatalogEntry;
}

export type NewIncident = Omit<IncidentRecord, 'slackChannelId' | 'slackChannelName'> & {
  slackChannelName?: string;
};

interface CreatedIncident {
  record: IncidentRecord;
  createdUs: number;
  updatedUs: number;
}

/** A list filter. `usesIndex` predicates read timestamps and cannot be counted from the pattern. */
export interface Predicate {
  test(a: Attrs, index: number): boolean;
  usesIndex: boolean;
}

export interface PageRequest {
  pageSize: number;
  /** Index of the `after` cursor's incident. */
  afterIndex?: number;
  oldestFirst: boolean;
  /** Index range [lo, hi) to consider (from created_at and updated_at windows). */
  lo: number;
  hi: number;
  /** Sorted indexes below `lo` to consider too (touched incidents outside the window). */
  sparse?: readonly number[];
  predicate: Predicate;
}

export interface Page {
  indexes: number[];
  hasMore: boolean;
  total: number;
}

const PATTERN_SIZE = 1024;
const DAY_US = 86_400_000_000;
/** Seeded data ends here whatever the clock says, so it never depends on when it runs. */
export const SEED_END_US = Date.UTC(2026, 5, 1) * 1000;
const SEED_WINDOW_US = 3 * 365 * DAY_US;
/** updated_at - created_at of an untouched incident never exceeds this: bounds updated_at searches. */
export const MAX_UPDATE_LAG_US = 30 * DAY_US;
/** Keeps consecutive created_at ≥ 2 s apart, so whole-second timestamps still increase strictly. */
const MIN_SPACING_US = 4_000_000;

const SALT = {
  pattern: hashString('pattern'),
  created: hashString('created_at'),
  updated: hashString('updated_at'),
  record: hashString('record'),
  incident: hashString('incident-id'),
};

const SYSTEMS = [
  'Checkout API',
  'Payments gateway',
  'Login service',
  'Search cluster',
  'Primary Postgres',
  'Kafka brokers',
  'Mobile push',
  'CDN edge',
  'Billing worker',
  'Status page',
  'Webhook delivery',
  'Data warehouse sync',
];
const PROBLEMS = [
  'elevated error rate',
  'high latency',
  'is down',
  'returning 502s',
  'degraded performance',
  'replication lag',
  'certificate expired',
  'out of disk space',
  'memory leak',
  'failing health checks',
];
const CAUSES = [
  'a bad deploy',
  'a noisy neighbour',
  'an expired credential',
  'a config change',
  'a traffic spike',
  'an upstream provider outage',
];
const ISSUE_PROVIDERS = ['linear', 'jira', 'github', 'asana', 'shortcut'];

const weighted = <T>(rng: Rng, table: readonly (readonly [T, number])[]): T => {
  let r = rng() * table.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of table) if ((r -= w) < 0) return v;
  return table[table.length - 1][0];
};

/** Exactly `count` of each value, shuffled: every block of PATTERN_SIZE has the same distribution. */
function stratified<T>(rng: Rng, counts: readonly (readonly [T, number])[]): T[] {
  const out = counts.flatMap(([v, n]) => Array<T>(n).fill(v));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Statuses whose incidents are still being worked on (updated within hours, not weeks). */
const ACTIVE = STATUSES.map((s) => s.category === 'triage' || s.category === 'live');

const statusIndex = (name: string): number => STATUSES.findIndex((s) => s.name === name);

function buildPattern(seed: number): Attrs[] {
  const rng = mulberry32(mix(seed, SALT.pattern));
  const modes = stratified<Mode>(rng, [
    ['standard', 880],
    ['retrospective', 72],
    ['test', 52],
    ['tutorial', 20],
  ]);
  // Every category is present in every block, including the ones the API hides by default.
  const statuses = stratified<number>(
    rng,
    (
      [
        ['Triage', 40],
        ['Investigating', 30],
        ['Fixing', 30],
        ['Monitoring', 20],
        ['Documenting', 60],
        ['Paused', 20],
        ['Closed', 604],
        ['Declined', 80],
        ['Canceled', 70],
        ['Merged', 70],
      ] as const
    ).map(([n, c]) => [statusIndex(n), c] as const)
  );
  return modes.map((mode, j) => {
    const status = statuses[j];
    const category = STATUSES[status].category;
    const early = ['triage', 'declined', 'canceled', 'merged'].includes(category);
    const type = weighted(rng, [
      [0, 70],
      [1, 10],
      [2, 20],
    ]);
    return {
      mode,
      status,
      severity:
        early && rng() < 0.4
          ? -1
          : weighted(rng, [
              [0, 60],
              [1, 30],
              [2, 10],
            ]),
      type,
      visibility: rng() < (type === 1 ? 0.7 : 0.05) ? 'private' : 'public',
      team: rng() < 0.8 ? Math.floor(rng() * CUSTOM_FIELDS[0].options.length) : -1,
      lead: rng() < (early ? 0.5 : 0.9) ? Math.floor(rng() * USERS.length) : -1,
      reporter: rng() < 0.6 ? Math.floor(rng() * USERS.length) : -1,
    };
  });
}

export class IncidentStore {
  private readonly pattern: Attrs[];
  private readonly tag: number;
  private readonly startUs: number;
  private readonly spacingUs: number;
  private readonly created: CreatedIncident[] = [];
  private readonly touched = new Map<number, number>();
  /** Seeded incidents changed by an edit: their whole record, materialised. */
  private readonly edited = new Map<number, IncidentRecord>();
  private readonly byIdempotencyKey = new Map<string, number>();
  /** Seeded incidents moved to an exact created_at (placeAt), by index. */
  private readonly placed = new Map<number, number>();
  private lastNowUs = SEED_END_US;

  constructor(
    private readonly seed: number,
    readonly seeded: number
  ) {
    if (!Number.isInteger(seeded) || seeded < 0) throw new RangeError('incidents must be an integer >= 0');
    this.pattern = buildPattern(seed);
    this.tag = mix(seed, SALT.incident) % 2 ** 30;
    this.spacingUs = Math.max(Math.floor(SEED_WINDOW_US / Math.max(seeded, 1)), MIN_SPACING_US);
    this.startUs = SEED_END_US - seeded * this.spacingUs;
  }

  count(): number {
    return this.seeded + this.created.length;
  }

  createdCount(): number {
    return this.created.length;
  }

  attrs(i: number): Attrs {
    if (i >= this.seeded) return this.created[i - this.seeded].record.attrs;
    return this.edited.get(i)?.attrs ?? this.pattern[i % PATTERN_SIZE];
  }

  /** The full record of an incident (seeded ones are rebuilt on demand unless edited). */
  record(i: number): IncidentRecord {
    if (i >= this.seeded) return this.created[i - this.seeded].record;
    return this.edited.get(i) ?? this.seededRecord(i);
  }

  /**
   * Changes an incident (for write routes such as incident edit): `change` gets a copy of the record
   * and returns the new one; updated_at becomes now. Lists stay exact (they scan once anything was
   * edited, since edited attributes break the pattern's counting).
   */
  edit(i: number, change: (r: IncidentRecord) => IncidentRecord): void {
    const next = change(structuredClone(this.record(i)));
    if (i >= this.seeded) this.created[i - this.seeded].record = next;
    else this.edited.set(i, next);
    this.touched.set(i, this.nowUs());
  }

  createdUs(i: number): number {
    return this.placed.get(i) ?? this.bornUs(i);
  }

  /** created_at as generated (ids keep it when an incident is placed elsewhere). */
  private bornUs(i: number): number {
    if (i >= this.seeded) return this.created[i - this.seeded].createdUs;
    const h = mix(this.seed, i, SALT.created);
    const t = this.startUs + Math.floor((i + 0.5 * (h / 2 ** 32)) * this.spacingUs);
    // One in four timestamps has whole seconds, as the API sometimes sends them without a fraction.
    return (h & 3) === 0 ? t - (t % 1_000_000) : t;
  }

  updatedUs(i: number): number {
    const touched = this.touched.get(i);
    if (touched !== undefined) return touched;
    if (i >= this.seeded) return this.created[i - this.seeded].updatedUs;
    const created = this.createdUs(i);
    const h = mix(this.seed, i, SALT.updated);
    const lag = Math.floor(
      (h / 2 ** 32) ** 2 * (ACTIVE[this.attrs(i).status] ? DAY_US / 4 : MAX_UPDATE_LAG_US)
    );
    let t = Math.min(created + lag, SEED_END_US);
    if ((h & 7) === 0) t -= t % 1_000_000;
    return Math.max(t, created);
  }

  id(i: number): string {
    return makeId(Math.floor(this.bornUs(i) / 1000), this.tag, i);
  }

  /**
   * Gives incidents created_at exactly at each of `timesUs` (records on a time partition's edge, for
   * tests): the seeded incident just before the time moves up to it, or the one just after moves down
   * when that one was placed already, so created_at still increases with the index and ids stay.
   * Returns the ids of the placed incidents.
   */
  placeAt(timesUs: number[]): string[] {
    return timesUs.map((t) => {
      const p = this.lowerBound(t, true);
      const i = [p - 1, p].find((k) => k >= 0 && k < this.seeded && !this.placed.has(k));
      if (i === undefined) throw new RangeError(`no seeded incident can be placed at ${formatTimeUs(t)}`);
      this.placed.set(i, t);
      return this.id(i);
    });
  }

  /** The index of an incident id of this data set, else undefined (e.g. another seed's id). */
  indexOfId(id: string): number | undefined {
    const d = decodeId(id);
    if (!d || d.tag !== this.tag || d.index >= this.count()) return undefined;
    return this.id(d.index) === id ? d.index : undefined;
  }

  /** Show accepts the full id or the numeric part of the reference (INC-123 → "123"). */
  indexOfIdOrNumber(text: string): number | undefined {
    if (!/^\d{1,15}$/.test(text)) return this.indexOfId(text);
    const i = Number(text) - 1;
    return i >= 0 && i < this.count() ? i : undefined;
  }

  indexOfIdempotencyKey(key: string): number | undefined {
    return this.byIdempotencyKey.get(key);
  }

  /** First index whose created_at is >= t (or > t when `strict`): created_at increases with the index. */
  lowerBound(tUs: number, strict = false): number {
    let lo = 0;
    let hi = this.count();
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.createdUs(mid);
      if (c < tUs || (strict && c === tUs)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  page(q: PageRequest): Page {
    if (q.predicate.usesIndex || q.sparse?.length || this.edited.size > 0) return this.pageByScan(q);
    const { lo, hi, predicate, pageSize, oldestFirst } = q;
    const counter = this.counter(predicate);
    const step = oldestFirst ? 1 : -1;
    let i = oldestFirst
      ? Math.max(q.afterIndex === undefined ? lo : q.afterIndex + 1, lo)
      : Math.min(q.afterIndex === undefined ? hi - 1 : q.afterIndex - 1, hi - 1);
    const indexes: number[] = [];
    for (; i >= lo && i < hi && indexes.length < pageSize; i += step) {
      if (predicate.test(this.attrs(i), i)) indexes.push(i);
    }
    const hasMore =
      indexes.length === pageSize && (oldestFirst ? counter(i, hi) > 0 : counter(lo, i + 1) > 0);
    return { indexes, hasMore, total: counter(lo, hi) };
  }

  /** For timestamp predicates: one pass over every candidate counts the total and collects the page. */
  private pageByScan(q: PageRequest): Page {
    const { lo, hi, predicate, pageSize, oldestFirst, afterIndex } = q;
    const sparse = q.sparse ?? [];
    const indexes: number[] = [];
    let total = 0;
    let beforeCursor = 0;
    const visit = (i: number): void => {
      if (!predicate.test(this.attrs(i), i)) return;
      total++;
      if (afterIndex !== undefined && (oldestFirst ? i <= afterIndex : i >= afterIndex)) beforeCursor++;
      else if (indexes.length < pageSize) indexes.push(i);
    };
    if (oldestFirst) {
      for (const i of sparse) visit(i);
      for (let i = lo; i < hi; i++) visit(i);
    } else {
      for (let i = hi - 1; i >= lo; i--) visit(i);
      for (let k = sparse.length - 1; k >= 0; k--) visit(sparse[k]);
    }
    return { indexes, hasMore: total - beforeCursor - indexes.length > 0, total };
  }

  isTouched(i: number): boolean {
    return this.touched.has(i);
  }

  /** Touched incidents in [lo, hi), sorted: the only ones an updated_at window can find outside its range. */
  touchedIn(lo: number, hi: number): number[] {
    return [...this.touched.keys()].filter((i) => i >= lo && i < hi).sort((a, b) => a - b);
  }

  /**
   * A function counting matches in [a, b). Attribute-only predicates are evaluated once per pattern
   * slot and summed with prefix sums; the rest (timestamps) are scanned.
   */
  private counter(predicate: Predicate): (a: number, b: number) => number {
    const scan = (a: number, b: number): number => {
      let n = 0;
      for (let i = a; i < b; i++) if (predicate.test(this.attrs(i), i)) n++;
      return n;
    };
    if (predicate.usesIndex) return scan;
    const prefix = [0];
    for (const a of this.pattern) prefix.push(prefix[prefix.length - 1] + (predicate.test(a, -1) ? 1 : 0));
    const upTo = (x: number): number =>
      Math.floor(x / PATTERN_SIZE) * prefix[PATTERN_SIZE] + prefix[x % PATTERN_SIZE];
    return (a, b) => {
      if (b <= a) return 0;
      const sb = Math.min(b, this.seeded);
      const seeded = a < sb ? upTo(sb) - upTo(a) : 0;
      return seeded + scan(Math.max(a, this.seeded), b);
    };
  }

  /** Creates an incident; callers look up its idempotency key first (indexOfIdempotencyKey). */
  create(input: NewIncident): number {
    const index = this.count();
    const now = this.nowUs();
    const number = index + 1;
    const record: IncidentRecord = {
      ...input,
      slackChannelId: `C0SIM${String(number).padStart(7, '0')}`,
      slackChannelName: input.slackChannelName ?? channelName(number, input.name),
    };
    this.created.push({ record, createdUs: now, updatedUs: now });
    if (input.idempotencyKey !== undefined) this.byIdempotencyKey.set(input.idempotencyKey, index);
    return index;
  }

  countByIdempotencyKey(key: string): number {
    return this.created.filter((c) => c.record.idempotencyKey === key).length;
  }

  /** Sets updated_at of `count` incidents spread evenly over the data set to now. */
  touch(count: number): string[] {
    const total = this.count();
    const n = Math.max(0, Math.min(Math.floor(count), total));
    const now = this.nowUs();
    const ids: string[] = [];
    for (let k = 0; k < n; k++) {
      const i = Math.floor(((k + 0.5) * total) / n);
      this.touched.set(i, now);
      ids.push(this.id(i));
    }
    return ids;
  }

  render(i: number): Record<string, unknown> {
    const r = this.record(i);
    const a = r.attrs;
    const number = i + 1;
    const createdUs = this.createdUs(i);
    const closedLike = ['closed', 'learning'].includes(STATUSES[a.status].category);
    const incident: Record<string, unknown> = {
      id: this.id(i),
      reference: `INC-${number}`,
      name: r.name,
      ...(r.summary !== undefined && { summary: r.summary }),
      mode: a.mode,
      visibility: a.visibility,
      incident_status: STATUSES[a.status],
      ...(a.severity >= 0 && { severity: SEVERITIES[a.severity] }),
      incident_type: INCIDENT_TYPES[a.type],
      creator: r.creator,
      incident_role_assignments: INCIDENT_ROLES.map((role, k) => {
        const user = k === 0 ? a.lead : a.reporter;
        return user >= 0 ? { role, assignee: USERS[user] } : { role };
      }),
      custom_field_entries: [
        {
          custom_field: CUSTOM_FIELDS[0],
          values: a.team >= 0 ? [{ value_option: CUSTOM_FIELDS[0].options[a.team] }] : [],
        },
        {
          custom_field: CUSTOM_FIELDS[1],
          values: r.customerImpact !== undefined ? [{ value_text: r.customerImpact }] : [],
        },
        ...extraFieldEntries(r.extraFields ?? {}),
      ],
      incident_timestamp_values: [
        { incident_timestamp: INCIDENT_TIMESTAMPS[0], value: { value: formatTimeUs(createdUs) } },
        r.impactStartedUs !== undefined
          ? { incident_timestamp: INCIDENT_TIMESTAMPS[1], value: { value: formatTimeUs(r.impactStartedUs) } }
          : { incident_timestamp: INCIDENT_TIMESTAMPS[1] },
      ],
      duration_metrics: [
        closedLike && r.impactStartedUs !== undefined
          ? {
              duration_metric: DURATION_METRICS[0],
              status: 'success',
              value_seconds: Math.round((this.updatedUs(i) - r.impactStartedUs) / 1e6),
            }
          : { duration_metric: DURATION_METRICS[0], status: 'timestamps_missing' },
      ],
      permalink: `${DASHBOARD_URL}/incidents/${number}`,
      slack_team_id: SLACK_TEAM_ID,
      slack_channel_id: r.slackChannelId,
      slack_channel_name: r.slackChannelName,
      has_debrief: r.hasDebrief,
      ...(r.callUrl !== undefined && { call_url: r.callUrl }),
      ...(r.postmortemUrl !== undefined && { postmortem_document_url: r.postmortemUrl }),
      ...(r.externalIssue !== undefined && { external_issue_reference: r.externalIssue }),
      ...(r.workloadMinutes !== undefined && {
        workload_minutes_total: r.workloadMinutes,
        workload_minutes_working: Math.round(r.workloadMinutes * 6) / 10,
        workload_minutes_late: Math.round(r.workloadMinutes * 3) / 10,
        workload_minutes_sleeping: Math.round(r.workloadMinutes * 1) / 10,
      }),
      created_at: formatTimeUs(createdUs),
      updated_at: formatTimeUs(this.updatedUs(i)),
    };
    return incident;
  }

  private seededRecord(i: number): IncidentRecord {
    const rng = mulberry32(mix(this.seed, i, SALT.record));
    const attrs = this.pattern[i % PATTERN_SIZE];
    const number = i + 1;
    const system = pick(rng, SYSTEMS);
    const name = `${system} ${pick(rng, PROBLEMS)}`;
    const cause = pick(rng, CAUSES);
    const createdUs = this.createdUs(i);
    const creatorKind = weighted(rng, [
      ['user', 60],
      ['alert', 25],
      ['workflow', 10],
      ['api_key', 5],
    ] as const);
    const creator: Record<string, unknown> =
      creatorKind === 'user'
        ? { user: pick(rng, USERS) }
        : creatorKind === 'alert'
          ? {
              alert: { id: makeId(Math.floor(createdUs / 1000), this.tag + 1, i), title: `[FIRING] ${name}` },
            }
          : creatorKind === 'workflow'
            ? { workflow: pick(rng, WORKFLOWS) }
            : { api_key: { id: makeId(Math.floor(createdUs / 1000), this.tag + 2, 0), name: 'Terraform' } };
    const closedLike = ['closed', 'learning'].includes(STATUSES[attrs.status].category);
    return {
      attrs,
      name,
      ...(rng() < 0.8 && {
        summary: `${system} showed ${name.slice(system.length + 1)}, caused by ${cause}.`,
      }),
      creator,
      ...(rng() < 0.5 && { customerImpact: `Customers of ${system} saw errors for a while.` }),
      ...(rng() < 0.7 && { impactStartedUs: createdUs - Math.floor(rng() * 3_600_000_000) }),
      ...(rng() < 0.4 && { callUrl: `https://meet.example.com/inc-${number}` }),
      hasDebrief: closedLike && rng() < 0.2,
      ...(closedLike &&
        rng() < 0.3 && { postmortemUrl: `https://docs.example.com/postmortems/INC-${number}` }),
      ...(rng() < 0.15 && {
        externalIssue: {
          provider: pick(rng, ISSUE_PROVIDERS),
          issue_name: `ENG-${1000 + (i % 9000)}`,
          issue_permalink: `https://issues.example.com/ENG-${1000 + (i % 9000)}`,
        },
      }),
      ...(rng() < 0.6 && { workloadMinutes: Math.round(rng() * 6000) / 10 }),
      slackChannelId: `C0${hex(rng, 9).toUpperCase()}`,
      slackChannelName: channelName(number, name),
      // Drawn last, so that everything above stays what it was before these fields existed.
      extraFields: seededExtraFields(rng),
    };
  }

  /** "now" in µs, strictly increasing and never before the seeded data, so new writes sort last. */
  private nowUs(): number {
    this.lastNowUs = Math.max(Date.now() * 1000, this.lastNowUs + 1);
    return this.lastNowUs;
  }
}

function channelName(number: number, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `inc-${number}-${slug}`.slice(0, 80);
}

/** Values for the custom fields after the first two, drawn from an incident's generator. */
function seededExtraFields(rng: Rng): ExtraFieldValues {
  const out: ExtraFieldValues = {};
  if (rng() < 0.6) {
    const n = CUSTOM_FIELDS[CF.components].options.length;
    const first = Math.floor(rng() * n);
    const count = 1 + Math.floor(rng() * 3);
    out.components = [...new Set(Array.from({ length: count }, (_, k) => (first + k * 2) % n))].sort(
      (a, b) => a - b
    );
  }
  if (rng() < 0.45) out.revenue = String(Math.round(rng() * 5_000_000) / 100);
  if (rng() < 0.5) out.runbook = `https://runbooks.example.com/${Math.floor(rng() * 40) + 1}`;
  if (rng() < 0.7) {
    const e = pick(rng, SERVICE_ENTRIES);
    out.service = { id: e.id, name: e.name, external_id: e.external_id, aliases: e.aliases };
  }
  return out;
}

/** CustomFieldTypeInfoV2 of a field: what an incident embeds. */
function typeInfo(k: number): Record<string, unknown> {
  const f = CUSTOM_FIELDS[k];
  return {
    id: f.id,
    name: f.name,
    description: f.description,
    field_type: f.field_type,
    options: f.options,
  };
}

function extraFieldEntries(x: ExtraFieldValues): Record<string, unknown>[] {
  const options = CUSTOM_FIELDS[CF.components].options;
  return [
    {
      custom_field: typeInfo(CF.components),
      values: (x.components ?? []).map((o) => ({ value_option: options[o] })),
    },
    {
      custom_field: typeInfo(CF.revenue),
      values: x.revenue !== undefined ? [{ value_numeric: x.revenue }] : [],
    },
    {
      custom_field: typeInfo(CF.runbook),
      values: x.runbook !== undefined ? [{ value_link: x.runbook }] : [],
    },
    {
      custom_field: typeInfo(CF.service),
      values: x.service ? [{ value_catalog_entry: x.service }] : [],
    },
  ];
}
