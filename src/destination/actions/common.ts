// Helpers shared by the actions: deterministic keys, incidents by id or reference, and the incident
// fields written by name (custom fields, role assignments, timestamps).
import type { WriteOutcome } from '../../contract';
import { ApiError, BadRecordError } from '../../errors';
import { canonicalJson, sha256Hex } from '../../util/hash';
import { parseTimestamp } from '../../util/time';
import {
  CUSTOM_FIELDS,
  CustomFieldOption,
  customFieldOptions,
  INCIDENT_ROLES,
  NamedList,
  pick,
  quoted,
} from '../names';
import type { ActionContext } from './types';

/** `prefix-` + 40 hex chars of sha256 over the canonical JSON: the same input gives the same key. */
export function deterministicKey(prefix: string, basis: unknown): string {
  return `${prefix}-${sha256Hex(canonicalJson(basis)).slice(0, 40)}`;
}

/** Drops undefined members (JSON round trip), so bodies carry only the fields that were given. */
export function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** created vs existing for an idempotent create: an object older than this run existed before it. */
export function createdOrExisting(createdAt: unknown, runStartedAt: number): WriteOutcome {
  const created = parseTimestamp(createdAt);
  return created !== undefined && created < runStartedAt ? 'existing' : 'created';
}

const norm = (s: string) => s.trim();

/** Exact match after trimming: how lookups before create compare titles and contents. */
export function sameText(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && norm(a) === norm(b);
}

export interface IncidentRef {
  id: string;
  mode: string;
}

/**
 * An incident by id or by reference ("INC-123" or 123), read once per run (GET /v2/incidents/{id}).
 * Unknown: the record is rejected (nothing sent). The mode matters for lookups: follow-up and action
 * lists hide test and tutorial incidents unless asked by mode.
 * Spec: GET /v2/incidents/{id} (Incidents V2#Show) — https://docs.incident.io/api-reference/incidents-v2/show
 */
export async function incidentRef(ctx: ActionContext, value: string, field: string): Promise<IncidentRef> {
  const v = value.trim();
  const ref = /^(?:INC-)?(\d+)$/i.exec(v);
  const key = ref ? ref[1] : v;
  const found = await ctx.cache.once(`incident:${key}`, async (): Promise<IncidentRef | string> => {
    try {
      // One route label for every id: the limiter learns one limit for the route, not one per id.
      const r = await ctx.client.get<{ incident: { id: string; mode?: string } }>(
        `/v2/incidents/${encodeURIComponent(key)}`,
        undefined,
        { route: 'GET /v2/incidents/{id}' }
      );
      return { id: r.data.incident.id, mode: r.data.incident.mode ?? 'standard' };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404)
        return `${quoted(v)} is not the id or reference of an incident`;
      throw e;
    }
  });
  if (typeof found === 'string') throw new BadRecordError([{ field, reason: found }]);
  return found;
}

type Scalar = string | number | boolean;

export interface CustomFieldEntry {
  custom_field_id: string;
  values: Array<Record<string, string>>;
}

/**
 * `{"Affected Team": "Payments", "Customer Impact": "None"}` → custom_field_entries, field by name or
 * id, select options by value or id; null (or []) clears the field.
 * Spec: CustomFieldEntryPayloadV2 of POST /v2/incidents and POST /v2/incidents/{id}/actions/edit.
 */
export async function customFieldEntries(
  ctx: ActionContext,
  fields: Record<string, Scalar | Scalar[] | null> | undefined,
  at: string
): Promise<CustomFieldEntry[] | undefined> {
  if (!fields) return undefined;
  const out: CustomFieldEntry[] = [];
  const problems: Array<{ field: string; reason: string }> = [];
  for (const [name, raw] of Object.entries(fields)) {
    const field = `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      const def = await ctx.names.resolveItem(CUSTOM_FIELDS, name, field);
      const values = raw === null ? [] : Array.isArray(raw) ? raw : [raw];
      if (values.length > 1 && def.field_type !== 'multi_select') {
        throw new BadRecordError([
          { field, reason: `${def.name} is a ${def.field_type} field: give one value` },
        ]);
      }
      const entries: Array<Record<string, string>> = [];
      for (const v of values) {
        const s = String(v);
        switch (def.field_type) {
          case 'single_select':
          case 'multi_select': {
            if (def.catalog_type_id) {
              const entry = await ctx.names.catalogEntry(def.catalog_type_id, s, field, def.name);
              entries.push({ value_catalog_entry_id: entry.id });
              break;
            }
            const options = await ctx.names.list<CustomFieldOption>(customFieldOptions(def.id));
            const option = pick(options, s, `option of ${def.name}`, field, (o) => [o.value]);
            entries.push({ value_option_id: option.id });
            break;
          }
          case 'numeric':
            if (!Number.isFinite(Number(s)) || s.trim() === '') {
              throw new BadRecordError([{ field, reason: `${def.name} is numeric: "${s}" is not a number` }]);
            }
            entries.push({ value_numeric: s });
            break;
          case 'link':
            entries.push({ value_link: s });
            break;
          default:
            entries.push({ value_text: s });
        }
      }
      out.push({ custom_field_id: def.id, values: entries });
    } catch (e) {
      if (e instanceof BadRecordError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new BadRecordError(problems);
  return out;
}

/**
 * `{"Incident Lead": "lisa@example.com"}` → incident_role_assignments (role by name, shortform or id;
 * user by email or id; null unassigns).
 */
export async function roleAssignments(
  ctx: ActionContext,
  roles: Record<string, string | null> | undefined,
  at: string
): Promise<Array<{ incident_role_id: string; assignee?: { id: string } }> | undefined> {
  if (!roles) return undefined;
  const out: Array<{ incident_role_id: string; assignee?: { id: string } }> = [];
  const problems: Array<{ field: string; reason: string }> = [];
  for (const [name, who] of Object.entries(roles)) {
    const field = `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      const roleId = await ctx.names.resolve(INCIDENT_ROLES, name, field);
      if (who === null) out.push({ incident_role_id: roleId });
      else out.push({ incident_role_id: roleId, assignee: { id: (await ctx.names.user(who, field)).id } });
    } catch (e) {
      if (e instanceof BadRecordError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new BadRecordError(problems);
  return out;
}

// Spec: GET /v2/incident_timestamps (Incident Timestamps V2#List) — https://docs.incident.io/api-reference/incident-timestamps-v2/list
export const INCIDENT_TIMESTAMPS: NamedList = {
  label: 'incident timestamp',
  path: '/v2/incident_timestamps',
  recordsField: 'incident_timestamps',
};

/** `{"Impact started": "2024-05-01T10:00:00Z"}` → incident_timestamp_values (by name or id). */
export async function timestampValues(
  ctx: ActionContext,
  stamps: Record<string, string> | undefined,
  at: string
): Promise<Array<{ incident_timestamp_id: string; value: string }> | undefined> {
  if (!stamps) return undefined;
  const problems: Array<{ field: string; reason: string }> = [];
  const out: Array<{ incident_timestamp_id: string; value: string }> = [];
  for (const [name, value] of Object.entries(stamps)) {
    const field = `${at}/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    try {
      out.push({ incident_timestamp_id: await ctx.names.resolve(INCIDENT_TIMESTAMPS, name, field), value });
    } catch (e) {
      if (e instanceof BadRecordError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length > 0) throw new BadRecordError(problems);
  return out;
}

/** Runs name resolutions side by side and reports every bad field at once. */
export async function resolveAll<T extends unknown[]>(
  ...tasks: { [K in keyof T]: Promise<T[K]> | T[K] }
): Promise<T> {
  const settled = await Promise.allSettled(tasks);
  const problems: Array<{ field: string; reason: string }> = [];
  for (const s of settled) {
    if (s.status === 'rejected') {
      if (s.reason instanceof BadRecordError) problems.push(...s.reason.problems);
      else throw s.reason;
    }
  }
  if (problems.length > 0) throw new BadRecordError(problems);
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T;
}

/** Rejects a record that gives none, or (with `atMostOne`) more than one, of `fields`. */
export function requireOneOf<I extends object>(
  input: I,
  fields: Array<keyof I & string>,
  atMostOne = true,
  none: { field: string; reason: string } = {
    field: `/${fields[0]}`,
    reason: `is required: give one of ${fields.join(', ')}`,
  }
): void {
  const given = fields.filter((f) => input[f] !== undefined);
  if (given.length === 0) throw new BadRecordError([none]);
  if (atMostOne && given.length > 1) {
    throw new BadRecordError([{ field: `/${given[1]}`, reason: `give only one of ${fields.join(', ')}` }]);
  }
}

/**
 * A read of an incident's children; a 404 means the incident went away (deleted, or not visible to
 * this key) after it was looked up: the record is rejected on `field` rather than failed.
 */
export async function childrenOf<T>(
  incident: IncidentRef,
  field: string,
  read: () => Promise<T>
): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      throw new BadRecordError([
        { field, reason: `incident ${incident.id} was deleted or is not visible to this key` },
      ]);
    }
    throw e;
  }
}
