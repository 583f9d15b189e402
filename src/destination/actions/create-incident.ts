import { INCIDENT_STATUSES, INCIDENT_TYPES, SEVERITIES } from '../names';
import {
  compact,
  createdOrExisting,
  customFieldEntries,
  deterministicKey,
  resolveAll,
  roleAssignments,
  timestampValues,
} from './common';
import { defineAction } from './types';

interface CreateIncidentInput {
  name: string;
  summary?: string;
  /** Required by the input schema: incident.io answers 422 is_required on severity_id without one. */
  severity: string;
  status?: string;
  incident_type?: string;
  visibility: 'public' | 'private';
  mode?: string;
  slack_channel_name_override?: string;
  custom_fields?: Record<string, string | number | boolean | null | Array<string | number | boolean>>;
  roles?: Record<string, string | null>;
  timestamps?: Record<string, string>;
  idempotency_key?: string;
}

/** The record's own key when given, else a hash of the whole record: a re-run sends the same key. */
export function incidentIdempotencyKey(input: { idempotency_key?: string }, raw: unknown): string {
  return input.idempotency_key ?? deterministicKey('iic', raw);
}

// Spec: POST /v2/incidents (Incidents V2#Create) — https://docs.incident.io/api-reference/incidents-v2/create
export const createIncident = defineAction<CreateIncidentInput>({
  name: 'create_incident',
  description:
    'Declares one incident per record; severity, status, type, custom fields and roles by name or id.',
  docs: 'https://docs.incident.io/api-reference/incidents-v2/create',
  input: 'schemas/actions/create_incident.json',
  idempotency:
    'idempotency_key: the record field when given, else a sha256 of the record; replays return the existing incident',
  endpoint: { method: 'POST', path: '/v2/incidents' },
  readme: { idempotency: '`idempotency_key` from the record, else a sha256 of the record' },
  idempotent: true,
  async prepare(input, basis, ctx) {
    const [severity_id, incident_status_id, incident_type_id, custom_field_entries, roles, stamps] =
      await resolveAll(
        ctx.names.resolve(SEVERITIES, input.severity, '/severity'),
        input.status ? ctx.names.resolve(INCIDENT_STATUSES, input.status, '/status') : undefined,
        input.incident_type
          ? ctx.names.resolve(INCIDENT_TYPES, input.incident_type, '/incident_type')
          : undefined,
        customFieldEntries(ctx, input.custom_fields, '/custom_fields'),
        roleAssignments(ctx, input.roles, '/roles'),
        timestampValues(ctx, input.timestamps, '/timestamps')
      );
    const body = compact({
      idempotency_key: incidentIdempotencyKey(input, basis),
      visibility: input.visibility,
      name: input.name,
      summary: input.summary,
      severity_id,
      incident_status_id,
      incident_type_id,
      mode: input.mode,
      slack_channel_name_override: input.slack_channel_name_override,
      custom_field_entries,
      incident_role_assignments: roles,
      incident_timestamp_values: stamps,
    });
    return {
      request: { method: 'POST', path: '/v2/incidents', body, idempotent: true },
      interpret(data) {
        const incident = (data as { incident: { id: string; created_at?: string } }).incident;
        // The API answers a replayed key with the incident it created before; it does not say so,
        // so an incident created before this run began is reported as existing.
        return { id: incident.id, outcome: createdOrExisting(incident.created_at, ctx.runStartedAt) };
      },
    };
  },
});
