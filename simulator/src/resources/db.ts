// SimDb: every resource of the simulated organisation besides incidents, as mutable collections
// (collection.ts says how write routes use them), seeded deterministically from the seed, plus the
// links to the incident store and the tables tests use (expectedCount, touch).
import { STATUSES } from '../config';
import { SimHttpError } from '../errors';
import { hashString, makeId, mix } from '../ids';
import type { IncidentStore, Mode } from '../incidents';
import type { KeyRecord } from '../routes/types';
import { Collection, SimClock, type Rec } from './collection';
import { parseTimeUs } from '../query';
import { finalEntries, windowFor, type WindowDays } from './schedule-entries';
import { seedIncidentChildren } from './seed-incidents';
import { seedOnCall } from './seed-oncall';
import { seedOrganisation } from './seed-org';
import type {
  ActionRec,
  AlertNoteRec,
  AlertRec,
  AlertSourceRec,
  CatalogEntryRec,
  CatalogTypeRec,
  CustomFieldOptionRec,
  EscalationRec,
  FollowUpRec,
  IncidentAlertRec,
  IncidentAttachmentRec,
  IncidentParticipantRec,
  IncidentRelationshipRec,
  IncidentUpdateRec,
  MaintenanceWindowRec,
  PostmortemDocumentRec,
  ScheduleOverrideRec,
  ScheduleRec,
  StatusPageIncidentRec,
  StatusPageRec,
  TeamRec,
  UserRec,
  WorkflowRunRec,
} from './types';

export type SimSize = 'small' | 'default';

/** How much of everything to seed (besides incidents, which are SimulatorOptions.incidents). */
export interface SimCounts {
  /** Incidents (the oldest ones) that get children: updates, follow-ups, actions, documents, ... */
  childIncidents: number;
  /** Incidents the list returns but whose child endpoints answer 404 (deleted meanwhile). */
  deletedIncidents: number;
  /** Users in total (the 12 fixed ones included) and how many of them are inactive. */
  users: number;
  inactiveUsers: number;
  /** Alerts not attached to an incident (those attached to incidents come on top). */
  alerts: number;
  alertSources: number;
  alertRoutes: number;
  escalations: number;
  escalationPaths: number;
  schedules: number;
  maintenanceWindows: number;
  workflows: number;
  workflowRuns: number;
  teams: number;
  /** Entries of the Service catalog type (at least the 10 fixed ones). */
  services: number;
  customers: number;
  statusPages: number;
  statusPageIncidentsPerPage: number;
}

export const SIZES: Record<SimSize, Omit<SimCounts, 'childIncidents'>> = {
  small: {
    deletedIncidents: 2,
    users: 30,
    inactiveUsers: 4,
    alerts: 60,
    alertSources: 5,
    alertRoutes: 7,
    escalations: 45,
    escalationPaths: 4,
    schedules: 3,
    maintenanceWindows: 5,
    workflows: 4,
    workflowRuns: 70,
    teams: 5,
    services: 14,
    customers: 6,
    statusPages: 2,
    statusPageIncidentsPerPage: 3,
  },
  default: {
    deletedIncidents: 2,
    users: 220,
    inactiveUsers: 25,
    alerts: 900,
    alertSources: 9,
    alertRoutes: 60,
    escalations: 400,
    escalationPaths: 30,
    schedules: 10,
    maintenanceWindows: 55,
    workflows: 6,
    workflowRuns: 500,
    teams: 8,
    services: 300,
    customers: 40,
    statusPages: 3,
    statusPageIncidentsPerPage: 30,
  },
};

/** Incidents with children, by default: all of them up to this many (a million incidents stay cheap). */
export const MAX_CHILD_INCIDENTS = 2000;

/** Every resource `touch` and `expectedCount` know, by the name of the stream that reads it. */
export const RESOURCE_NAMES = [
  'incidents',
  'incident_updates',
  'follow_ups',
  'actions',
  'postmortem_documents',
  'incident_attachments',
  'incident_relationships',
  'incident_alerts',
  'incident_participants',
  'alerts',
  'alert_notes',
  'alert_sources',
  'alert_attributes',
  'alert_routes',
  'escalations',
  'escalation_paths',
  'schedules',
  'schedule_entries',
  'schedule_overrides',
  'maintenance_windows',
  'workflow_runs',
  'severities',
  'incident_statuses',
  'incident_types',
  'incident_roles',
  'incident_timestamps',
  'custom_fields',
  'custom_field_options',
  'workflows',
  'catalog_types',
  'catalog_resources',
  'catalog_entries',
  'users',
  'teams',
  'status_pages',
  'status_page_incidents',
] as const;

export type ResourceName =
  | 'incidents'
  | 'incident_updates'
  | 'follow_ups'
  | 'actions'
  | 'postmortem_documents'
  | 'incident_attachments'
  | 'incident_relationships'
  | 'incident_alerts'
  | 'incident_participants'
  | 'alerts'
  | 'alert_notes'
  | 'alert_sources'
  | 'alert_attributes'
  | 'alert_routes'
  | 'escalations'
  | 'escalation_paths'
  | 'schedules'
  | 'schedule_entries'
  | 'schedule_overrides'
  | 'maintenance_windows'
  | 'workflow_runs'
  | 'severities'
  | 'incident_statuses'
  | 'incident_types'
  | 'incident_roles'
  | 'incident_timestamps'
  | 'custom_fields'
  | 'custom_field_options'
  | 'workflows'
  | 'catalog_types'
  | 'catalog_resources'
  | 'catalog_entries'
  | 'users'
  | 'teams'
  | 'status_pages'
  | 'status_page_incidents';

export interface ExpectedCountOptions {
  /** schedule_entries: the moment the window is taken around (default: now). */
  now?: number;
  /** schedule_entries: the window in days (the source's default: 7 past, 28 future). */
  windowDays?: WindowDays;
}

const STATUS_SLIM: Record<string, string> = { live: 'active', learning: 'post-incident' };

export class SimDb {
  readonly clock = new SimClock();
  private readonly tags = new Map<string, number>();
  private readonly nextIndex = new Map<string, number>();
  /** Ids of incidents whose child endpoints answer 404 (the list still returns them). */
  readonly deletedIncidents = new Set<string>();

  // Incidents and their activity (incidents themselves: `incidents`, the lazy IncidentStore).
  readonly incident_updates = this.collection<IncidentUpdateRec>('incident_updates', 'incident update');
  readonly follow_ups = this.collection<FollowUpRec>('follow_ups', 'follow-up');
  readonly actions = this.collection<ActionRec>('actions', 'action');
  readonly postmortem_documents = this.collection<PostmortemDocumentRec>(
    'postmortem_documents',
    'post-mortem document'
  );
  readonly incident_attachments = this.collection<IncidentAttachmentRec>(
    'incident_attachments',
    'incident attachment'
  );
  readonly incident_relationships = this.collection<IncidentRelationshipRec>(
    'incident_relationships',
    'incident relationship'
  );
  readonly incident_alerts = this.collection<IncidentAlertRec>('incident_alerts', 'incident alert');
  readonly incident_participants = this.collection<IncidentParticipantRec>(
    'incident_participants',
    'incident participant'
  );
  // Alerts and on-call.
  readonly alerts = this.collection<AlertRec>('alerts', 'alert');
  readonly alert_notes = this.collection<AlertNoteRec>('alert_notes', 'alert note');
  readonly alert_sources = this.collection<AlertSourceRec>('alert_sources', 'alert source');
  readonly alert_attributes = this.collection('alert_attributes', 'alert attribute');
  readonly alert_routes = this.collection('alert_routes', 'alert route');
  readonly escalations = this.collection<EscalationRec>('escalations', 'escalation');
  readonly escalation_paths = this.collection('escalation_paths', 'escalation path');
  readonly schedules = this.collection<ScheduleRec>('schedules', 'schedule');
  readonly schedule_overrides = this.collection<ScheduleOverrideRec>(
    'schedule_overrides',
    'schedule override'
  );
  readonly maintenance_windows = this.collection<MaintenanceWindowRec>(
    'maintenance_windows',
    'maintenance window'
  );
  readonly workflow_runs = this.collection<WorkflowRunRec>('workflow_runs', 'workflow run');
  // Configuration.
  readonly severities = this.collection('severities', 'severity');
  readonly incident_statuses = this.collection('incident_statuses', 'incident status');
  readonly incident_types = this.collection('incident_types', 'incident type');
  readonly incident_roles = this.collection('incident_roles', 'incident role');
  readonly incident_timestamps = this.collection('incident_timestamps', 'incident timestamp');
  readonly custom_fields = this.collection('custom_fields', 'custom field');
  readonly custom_field_options = this.collection<CustomFieldOptionRec>(
    'custom_field_options',
    'custom field option'
  );
  readonly workflows = this.collection('workflows', 'workflow');
  // Catalog, people and status pages.
  readonly catalog_types = this.collection<CatalogTypeRec>('catalog_types', 'catalog type');
  readonly catalog_resources = this.collection('catalog_resources', 'catalog resource');
  readonly catalog_entries = this.collection<CatalogEntryRec>('catalog_entries', 'catalog entry');
  readonly users = this.collection<UserRec>('users', 'user');
  readonly teams = this.collection<TeamRec>('teams', 'team');
  readonly status_pages = this.collection<StatusPageRec>('status_pages', 'status page');
  readonly status_page_incidents = this.collection<StatusPageIncidentRec>(
    'status_page_incidents',
    'status page incident'
  );

  readonly counts: SimCounts;

  constructor(
    readonly seed: number,
    readonly incidents: IncidentStore,
    size: SimSize = 'default',
    overrides: Partial<SimCounts> = {}
  ) {
    this.counts = {
      ...SIZES[size],
      childIncidents: Math.min(incidents.seeded, MAX_CHILD_INCIDENTS),
      ...overrides,
    };
    seedOrganisation(this);
    seedOnCall(this, 'before-incidents');
    seedIncidentChildren(this);
    seedOnCall(this, 'after-incidents');
  }

  private collection<T extends Rec = Rec>(name: string, singular: string): Collection<T> {
    return new Collection<T>(name, this.clock, singular);
  }

  /** The collection of a resource by name (undefined for incidents and computed ones). */
  get(name: string): Collection | undefined {
    const c = (this as unknown as Record<string, unknown>)[name];
    return c instanceof Collection ? (c as unknown as Collection) : undefined;
  }

  /** Namespace tag of a resource's ids (seed-dependent, so two seeds never share ids). */
  tag(resource: string): number {
    let t = this.tags.get(resource);
    if (t === undefined) {
      t = mix(this.seed, hashString(resource)) % 2 ** 30;
      this.tags.set(resource, t);
    }
    return t;
  }

  /** A new ULID-like id for a record of `resource`, sorting after every existing one of that time. */
  newId(resource: string, timeMs: number = Math.floor(this.clock.nowUs() / 1000)): string {
    const k = this.nextIndex.get(resource) ?? 0;
    this.nextIndex.set(resource, k + 1);
    return makeId(timeMs, this.tag(resource), k);
  }

  /**
   * The index of an incident that exists and was not deleted; otherwise a 404 (or, when `field` names
   * the request field that carried the id, a 422 on that field, as create endpoints answer).
   */
  requireIncident(id: string, field?: string): number {
    const i = this.incidents.indexOfId(id);
    if (i === undefined || this.deletedIncidents.has(id)) {
      if (field) {
        throw SimHttpError.one(
          422,
          'validation_error',
          'invalid_value',
          `No incident found with id ${id}`,
          field
        );
      }
      throw SimHttpError.notFound(`No incident found with id ${id}`);
    }
    return i;
  }

  /** The mode of an incident, undefined when it does not exist. */
  incidentMode(id: string): Mode | undefined {
    const i = this.incidents.indexOfId(id);
    return i === undefined ? undefined : this.incidents.attrs(i).mode;
  }

  /** IncidentSlimV2 of an incident (embedded by escalations and incident alerts). */
  incidentSlim(i: number): Record<string, unknown> {
    const r = this.incidents.record(i);
    const category = STATUSES[r.attrs.status].category;
    return {
      id: this.incidents.id(i),
      external_id: i + 1,
      reference: `INC-${i + 1}`,
      name: r.name,
      ...(r.summary !== undefined && { summary: r.summary }),
      status_category: STATUS_SLIM[category] ?? category,
      visibility: r.attrs.visibility,
    };
  }

  /** The actor a write made with this API key is attributed to (ActorV2 / ActorV1). */
  actorFor(key: KeyRecord): { api_key: { id: string; name: string } } {
    return { api_key: { id: key.id, name: key.name } };
  }

  /**
   * Sets updated_at to now on `count` records of a resource spread over it, and returns their ids.
   * 'incidents' touches incidents (their child streams then re-read those incidents' children).
   */
  touch(resource: ResourceName, count: number): string[] {
    if (resource === 'incidents') return this.incidents.touch(count);
    const c = this.get(resource);
    if (!c) throw new Error(`${resource} cannot be touched`);
    return c.touch(count);
  }

  /**
   * Gives records of a resource created_at exactly at each of `times` (RFC 3339), by moving the
   * records nearest to them (IncidentStore.placeAt, Collection.placeAt): records on the edges of time
   * partitions, for tests. A placed workflow run is one the list returns (not cancelled).
   */
  placeAt(resource: ResourceName, times: string[]): string[] {
    const us = times.map((t) => {
      const v = parseTimeUs(t);
      if (v === undefined) throw new Error(`${t} is not a timestamp`);
      return v;
    });
    if (resource === 'incidents') return this.incidents.placeAt(us);
    const c = this.get(resource);
    if (!c) throw new Error(`${resource} cannot be placed`);
    const listed = (r: Rec): Rec => {
      const { cancelled_at: _c, ...rest } = r;
      return rest as Rec;
    };
    return c.placeAt('created_at', us, resource === 'workflow_runs' ? listed : undefined);
  }

  /**
   * How many records a complete read of a stream returns now: every mode, status category and
   * inactive user included; children of deleted incidents and cancelled workflow runs excluded.
   */
  expectedCount(stream: ResourceName, opts: ExpectedCountOptions = {}): number {
    const live = (incidentId: string): boolean =>
      !this.deletedIncidents.has(incidentId) && this.incidents.indexOfId(incidentId) !== undefined;
    switch (stream) {
      case 'incidents':
        return this.incidents.count();
      case 'incident_updates':
      case 'follow_ups':
      case 'actions':
      case 'postmortem_documents':
      case 'incident_attachments':
        return this.get(stream)!.filter((r) => live(String(r.incident_id))).length;
      case 'incident_relationships':
      case 'incident_participants':
        return this.get(stream)!.filter((r) => live(String(r._incident_id))).length;
      case 'incident_alerts':
        return this.incident_alerts.filter((r) => live(r.incident.id)).length;
      case 'alert_notes':
        return this.alert_notes.filter((n) => n.alert_id !== undefined && this.alerts.has(n.alert_id)).length;
      case 'schedule_overrides':
        return this.schedule_overrides.filter((o) => this.schedules.has(o.schedule_id)).length;
      case 'workflow_runs':
        return this.workflow_runs.filter((r) => r.cancelled_at === undefined).length;
      case 'status_page_incidents':
        return this.status_page_incidents.filter((r) => this.status_pages.has(r.status_page_id)).length;
      case 'catalog_entries':
        return this.catalog_entries.filter((e) => this.catalog_types.has(e.catalog_type_id)).length;
      case 'schedule_entries': {
        const { start, end } = windowFor(opts.now ?? Date.now(), opts.windowDays);
        let n = 0;
        for (const s of this.schedules.all()) n += finalEntries(this, s, start, end).length;
        return n;
      }
      default: {
        const c = this.get(stream);
        if (!c) throw new Error(`no expected count for ${stream}`);
        return c.size;
      }
    }
  }

  /** expectedCount of every resource. */
  expectedCounts(opts: ExpectedCountOptions = {}): Record<ResourceName, number> {
    return Object.fromEntries(RESOURCE_NAMES.map((r) => [r, this.expectedCount(r, opts)])) as Record<
      ResourceName,
      number
    >;
  }

  /** Incidents (indexes) with children: the seeded ones below childIncidents that were not deleted. */
  childIncidentIndexes(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.counts.childIncidents; i++) {
      if (!this.deletedIncidents.has(this.incidents.id(i))) out.push(i);
    }
    return out;
  }
}
