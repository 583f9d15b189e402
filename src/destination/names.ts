// Names → ids for the things a person writes by name (severity "Major", status "Investigating", a user
// by email, a catalog type, an escalation path, a schedule, ...). Each list is read once per run, on
// first use, and shared by every record of the run. An unknown name rejects that record (nothing is
// sent) with the list of valid names.
import { ApiError, BadRecordError } from '../errors';
import type { IncidentIoClient } from '../http/client';
import { paginate } from '../http/paginate';
import { RunCache } from './run-cache';

export interface Named {
  id: string;
  name: string;
}

export interface NamedList<T = Named> {
  /** Human label used in messages, e.g. "severity". */
  label: string;
  path: string;
  recordsField: string;
  /** Set for paginated lists: the page size to ask for (the endpoint's maximum). */
  pageSize?: number;
  query?: Record<string, string>;
  /** Every name an item answers to (default: its `name`). */
  namesOf?: (item: T) => Array<string | undefined>;
}

// Spec: GET /v1/severities (Severities V1#List) — https://docs.incident.io/api-reference/severities-v1/list
export const SEVERITIES: NamedList = {
  label: 'severity',
  path: '/v1/severities',
  recordsField: 'severities',
};
// Spec: GET /v1/incident_statuses (Incident Statuses V1#List) — https://docs.incident.io/api-reference/incident-statuses-v1/list
export const INCIDENT_STATUSES: NamedList = {
  label: 'incident status',
  path: '/v1/incident_statuses',
  recordsField: 'incident_statuses',
};
// Spec: GET /v1/incident_types (Incident Types V1#List) — https://docs.incident.io/api-reference/incident-types-v1/list
export const INCIDENT_TYPES: NamedList = {
  label: 'incident type',
  path: '/v1/incident_types',
  recordsField: 'incident_types',
};
// Spec: GET /v2/incident_roles (Incident Roles V2#List) — https://docs.incident.io/api-reference/incident-roles-v2/list
export const INCIDENT_ROLES: NamedList<Named & { shortform?: string }> = {
  label: 'incident role',
  path: '/v2/incident_roles',
  recordsField: 'incident_roles',
  namesOf: (r) => [r.name, r.shortform],
};

export interface CustomField extends Named {
  field_type: 'single_select' | 'multi_select' | 'text' | 'link' | 'numeric' | string;
  /** Catalog-backed select fields: their values are entries of this catalog type. */
  catalog_type_id?: string;
}
// Spec: GET /v2/custom_fields (Custom Fields V2#List) — https://docs.incident.io/api-reference/custom-fields-v2/list
export const CUSTOM_FIELDS: NamedList<CustomField> = {
  label: 'custom field',
  path: '/v2/custom_fields',
  recordsField: 'custom_fields',
};

export interface CustomFieldOption {
  id: string;
  custom_field_id: string;
  value: string;
  sort_key: number;
}
// Spec: GET /v1/custom_field_options (Custom Field Options V1#List) — https://docs.incident.io/api-reference/custom-field-options-v1/list
export function customFieldOptions(fieldId: string): NamedList<CustomFieldOption> {
  return {
    label: 'option',
    path: '/v1/custom_field_options',
    recordsField: 'custom_field_options',
    pageSize: 250,
    query: { custom_field_id: fieldId },
    namesOf: (o) => [o.value],
  };
}

export interface CatalogAttribute {
  id: string;
  name: string;
  type: string;
  array: boolean;
  mode?: string;
}
export interface CatalogType extends Named {
  type_name?: string;
  schema: { attributes: CatalogAttribute[] };
}
// Spec: GET /v3/catalog_types (Catalog V3#ListTypes) — https://docs.incident.io/api-reference/catalog-v3/list-types
export const CATALOG_TYPES: NamedList<CatalogType> = {
  label: 'catalog type',
  path: '/v3/catalog_types',
  recordsField: 'catalog_types',
  namesOf: (t) => [t.name, t.type_name],
};

// Spec: GET /v2/escalation_paths (Escalations V2#ListPaths) — https://docs.incident.io/api-reference/escalations-v2/list-paths
export const ESCALATION_PATHS: NamedList = {
  label: 'escalation path',
  path: '/v2/escalation_paths',
  recordsField: 'escalation_paths',
  pageSize: 25,
};

export interface Schedule extends Named {
  config?: {
    rotations?: Array<{ id: string; name: string; layers?: Array<{ id?: string; name?: string }> }>;
  };
}
// Spec: GET /v2/schedules (Schedules V2#List) — https://docs.incident.io/api-reference/schedules-v2/list
export const SCHEDULES: NamedList<Schedule> = {
  label: 'schedule',
  path: '/v2/schedules',
  recordsField: 'schedules',
  pageSize: 250,
};

export interface AlertSource extends Named {
  source_type: string;
  secret_token?: string;
}
// Spec: GET /v2/alert_sources (Alert Sources V2#List) — https://docs.incident.io/api-reference/alert-sources-v2/list
// The list carries each source's secret_token: it stays in this run's memory, never in a message.
export const ALERT_SOURCES: NamedList<AlertSource> = {
  label: 'alert source',
  path: '/v2/alert_sources',
  recordsField: 'alert_sources',
};

// Spec: GET /v2/status_pages (Status Pages V2#ListStatusPages) — https://docs.incident.io/api-reference/status-pages-v2/list-status-pages
export const STATUS_PAGES: NamedList = {
  label: 'status page',
  path: '/v2/status_pages',
  recordsField: 'status_pages',
  pageSize: 250,
};

// Spec: GET /v3/teams (Teams V3#List) — https://docs.incident.io/api-reference/teams-v3/list
export const TEAMS: NamedList = {
  label: 'team',
  path: '/v3/teams',
  recordsField: 'teams',
  pageSize: 250,
};

export interface User {
  id: string;
  name: string;
  email?: string;
}

const normalise = (s: string) => s.trim().toLowerCase();
const listKey = (list: { path: string; query?: Record<string, string> }) =>
  `list:${list.path}?${new URLSearchParams(list.query ?? {}).toString()}`;
const MAX_LISTED = 40;

/** "a, b, c" — at most MAX_LISTED names, then how many more. */
export function listNames(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown || '(none)';
}

/**
 * A record's value as a message quotes it: a long one is cut, so that a message stays one readable
 * line and a runaway (or pasted) value is not printed back whole.
 */
export function quoted(value: string): string {
  return value.length > 64 ? `"${value.slice(0, 16)}…" (${value.length} characters)` : `"${value}"`;
}

/**
 * Picks an item of an already-loaded list by id or name (case-insensitive); a BadRecordError naming
 * `field` with the valid names when none (or several) match.
 */
export function pick<T extends { id?: string }>(
  items: readonly T[],
  value: string,
  label: string,
  field: string,
  namesOf: (item: T) => Array<string | undefined>
): T {
  const byId = items.find((i) => i.id !== undefined && i.id === value);
  if (byId) return byId;
  const matches = items.filter((i) =>
    namesOf(i).some((n) => n !== undefined && normalise(n) === normalise(value))
  );
  if (matches.length === 1) return matches[0];
  const reason =
    matches.length > 1
      ? `${quoted(value)} matches several ${label} names; use the id instead`
      : `${quoted(value)} is not a known ${label}; valid names: ${listNames(
          items.map((i) => namesOf(i).find((n) => n !== undefined) ?? String(i.id))
        )}`;
  throw new BadRecordError([{ field, reason }]);
}

export class NameResolver {
  constructor(
    private readonly client: IncidentIoClient,
    private readonly cache: RunCache = new RunCache()
  ) {}

  /** The id for `value` (an id or a name, case-insensitive); a BadRecordError naming `field` if unknown. */
  async resolve<T extends { id: string }>(list: NamedList<T>, value: string, field: string): Promise<string> {
    return (await this.resolveItem(list, value, field)).id;
  }

  /** The whole item for `value` (an id or a name). */
  async resolveItem<T extends { id: string }>(list: NamedList<T>, value: string, field: string): Promise<T> {
    const items = await this.list(list);
    return pick(items, value, list.label, field, list.namesOf ?? ((i) => [(i as unknown as Named).name]));
  }

  /** Forgets a list, so that the next use reads it again. */
  forget<T>(list: NamedList<T>): void {
    this.cache.forget(listKey(list));
  }

  /** Every item of a list, read once per run. */
  list<T>(list: NamedList<T>): Promise<T[]> {
    return this.cache.once(listKey(list), async () => {
      if (list.pageSize === undefined) {
        const r = await this.client.get<Record<string, T[]>>(list.path, list.query);
        return r.data?.[list.recordsField] ?? [];
      }
      const out: T[] = [];
      for await (const page of paginate<T>(this.client, {
        path: list.path,
        recordsField: list.recordsField,
        pageSize: list.pageSize,
        query: list.query,
      })) {
        out.push(...page.records);
      }
      return out;
    });
  }

  /**
   * The catalog entry a value names (its id, external_id, name or an alias), once per value per run.
   * Spec: GET /v3/catalog_entries?identifier= (Catalog V3#ListEntries) — https://docs.incident.io/api-reference/catalog-v3/list-entries
   */
  async catalogEntry(typeId: string, value: string, field: string, label: string): Promise<{ id: string }> {
    const v = value.trim();
    const found = await this.cache.once(
      `catalog_entry:${typeId}:${v}`,
      async (): Promise<{ id: string } | string> => {
        const r = await this.client.get<{ catalog_entries?: Array<{ id: string; name: string }> }>(
          '/v3/catalog_entries',
          { catalog_type_id: typeId, identifier: v, page_size: 25 }
        );
        let entries = r.data?.catalog_entries ?? [];
        if (entries.length > 1)
          entries = entries.filter((e) => e.id === v || normalise(e.name) === normalise(v));
        if (entries.length === 0) {
          // `identifier` matches ids, external ids and aliases: names need the type's whole list.
          const all = await this.list<{ id: string; name: string }>({
            label: label,
            path: '/v3/catalog_entries',
            recordsField: 'catalog_entries',
            pageSize: 250,
            query: { catalog_type_id: typeId },
          });
          entries = all.filter((e) => normalise(e.name) === normalise(v));
        }
        if (entries.length === 1) return { id: entries[0].id };
        return entries.length === 0
          ? `${quoted(v)} is not an entry of ${label} (by id, external id, name or alias)`
          : `${quoted(v)} matches several entries of ${label}; use the entry's id`;
      }
    );
    if (typeof found === 'string') throw new BadRecordError([{ field, reason: found }]);
    return found;
  }

  /**
   * A user by email (GET /v2/users?email=) or by id (GET /v2/users/{id}), once per value per run.
   * Spec: GET /v2/users (Users V2#List), GET /v2/users/{id} (Users V2#Show) —
   * https://docs.incident.io/api-reference/users-v2/list
   */
  async user(value: string, field: string): Promise<User> {
    const v = value.trim();
    // Unknown users are cached too (as a reason), so a bad email costs one read per run.
    const found = await this.cache.once(`user:${v.toLowerCase()}`, async (): Promise<User | string> => {
      if (v.includes('@')) {
        const r = await this.client.get<{ users?: User[] }>('/v2/users', {
          email: v,
          include_inactive: true,
        });
        const user = (r.data?.users ?? []).find((u) => normalise(u.email ?? '') === normalise(v));
        return user ?? `${quoted(v)} is not the email of a user of this organisation`;
      }
      try {
        // One route label for every id: the limiter learns one limit for the route, not one per id.
        const r = await this.client.get<{ user: User }>(`/v2/users/${encodeURIComponent(v)}`, undefined, {
          route: 'GET /v2/users/{id}',
        });
        return r.data.user;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) {
          return `${quoted(v)} is neither a user id nor the email of a user of this organisation`;
        }
        throw e;
      }
    });
    if (typeof found === 'string') throw new BadRecordError([{ field, reason: found }]);
    return found;
  }
}
