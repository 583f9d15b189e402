import { canonicalJson, sha256Hex } from '../../util/hash';
import { parseTimestamp } from '../../util/time';
import { INCIDENT_STATUSES, INCIDENT_TYPES, SEVERITIES } from '../names';
import type { ActionDefinition } from './types';

interface CreateIncidentInput {
  name: string;
  summary?: string;
  severity?: string;
  status?: string;
  incident_type?: string;
  visibility: 'public' | 'private';
  mode?: string;
  slack_channel_name_override?: string;
  idempotency_key?: string;
}

/** The record's own key when given, else a hash of the whole record: a re-run sends the same key. */
export function incidentIdempotencyKey(input: { idempotency_key?: string }, raw: unknown): string {
  return input.idempotency_key ?? `iic-${sha256Hex(canonicalJson(raw)).slice(0, 40)}`;
}

// Spec: POST /v2/incidents (Incidents V2#Create) — https://docs.incident.io/api-reference/incidents-v2/create
export const createIncident: ActionDefinition = {
  name: 'create_incident',
  description: 'Declares one incident per record; severity, status and type by name or id.',
  input: 'schemas/actions/create_incident.json',
  idempotency:
    'idempotency_key: the record field when given, else a sha256 of the record; replays return the existing incident',
  writeRoles: ['incident_creator', 'incident_editor', 'global_access'],
  async prepare(raw, original, ctx) {
    const input = raw as unknown as CreateIncidentInput;
    const [severity_id, incident_status_id, incident_type_id] = await Promise.all([
      input.severity ? ctx.names.resolve(SEVERITIES, input.severity, '/severity') : undefined,
      input.status ? ctx.names.resolve(INCIDENT_STATUSES, input.status, '/status') : undefined,
      input.incident_type
        ? ctx.names.resolve(INCIDENT_TYPES, input.incident_type, '/incident_type')
        : undefined,
    ]);
    const body = {
      idempotency_key: incidentIdempotencyKey(input, original),
      visibility: input.visibility,
      name: input.name,
      summary: input.summary,
      severity_id,
      incident_status_id,
      incident_type_id,
      mode: input.mode,
      slack_channel_name_override: input.slack_channel_name_override,
    };
    return {
      request: {
        method: 'POST',
        path: '/v2/incidents',
        body: JSON.parse(JSON.stringify(body)),
        idempotent: true,
      },
      interpret(data) {
        const incident = (data as { incident: { id: string; created_at?: string } }).incident;
        // The API answers a replayed key with the incident it created before; it does not say so,
        // so an incident created before this run began is reported as existing.
        const created = parseTimestamp(incident.created_at);
        const outcome = created !== undefined && created < ctx.runStartedAt ? 'existing' : 'created';
        return { id: incident.id, outcome };
      },
    };
  },
};
