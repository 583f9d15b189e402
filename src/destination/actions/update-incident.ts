import { INCIDENT_STATUSES, SEVERITIES } from '../names';
import {
  compact,
  requireOneOf,
  customFieldEntries,
  incidentRef,
  resolveAll,
  roleAssignments,
  timestampValues,
} from './common';
import { defineAction } from './types';

interface UpdateIncidentInput {
  incident_id: string;
  name?: string;
  summary?: string;
  severity?: string;
  status?: string;
  call_url?: string;
  slack_channel_name_override?: string;
  custom_fields?: Record<string, string | number | boolean | null | Array<string | number | boolean>>;
  roles?: Record<string, string | null>;
  timestamps?: Record<string, string>;
  notify_incident_channel: boolean;
}

const CHANGEABLE: Array<keyof UpdateIncidentInput> = [
  'name',
  'summary',
  'severity',
  'status',
  'call_url',
  'slack_channel_name_override',
  'custom_fields',
  'roles',
  'timestamps',
];

// Spec: POST /v2/incidents/{id}/actions/edit (Incidents V2#Edit) — https://docs.incident.io/api-reference/incidents-v2/edit
// "Only fields that are provided will be edited": the same edit twice leaves the same incident.
export const updateIncident = defineAction<UpdateIncidentInput>({
  name: 'update_incident',
  description: 'Edits the given fields of an incident (by id or reference); the others stay as they are.',
  docs: 'https://docs.incident.io/api-reference/incidents-v2/edit',
  input: 'schemas/actions/update_incident.json',
  idempotency: 'safe to repeat: only the given fields are set, so a replay sets them to the same values',
  endpoint: { method: 'POST', path: '/v2/incidents/{id}/actions/edit' },
  readme: { idempotency: 'safe to repeat: only the given fields are set' },
  idempotent: true,
  async prepare(input, _basis, ctx) {
    requireOneOf(input, CHANGEABLE, false, {
      field: '/',
      reason: `has nothing to change: give at least one of ${CHANGEABLE.join(', ')}`,
    });
    const [incident, severity_id, incident_status_id, custom_field_entries, roles, stamps] = await resolveAll(
      incidentRef(ctx, input.incident_id, '/incident_id'),
      input.severity ? ctx.names.resolve(SEVERITIES, input.severity, '/severity') : undefined,
      input.status ? ctx.names.resolve(INCIDENT_STATUSES, input.status, '/status') : undefined,
      customFieldEntries(ctx, input.custom_fields, '/custom_fields'),
      roleAssignments(ctx, input.roles, '/roles'),
      timestampValues(ctx, input.timestamps, '/timestamps')
    );
    const body = compact({
      incident: {
        name: input.name,
        summary: input.summary,
        severity_id,
        incident_status_id,
        call_url: input.call_url,
        slack_channel_name_override: input.slack_channel_name_override,
        custom_field_entries,
        incident_role_assignments: roles,
        incident_timestamp_values: stamps,
      },
      notify_incident_channel: input.notify_incident_channel,
    });
    return {
      targetId: incident.id,
      request: {
        method: 'POST',
        path: `/v2/incidents/${encodeURIComponent(incident.id)}/actions/edit`,
        route: 'POST /v2/incidents/{id}/actions/edit',
        body,
        idempotent: true,
      },
      interpret(data) {
        return { id: (data as { incident: { id: string } }).incident.id, outcome: 'updated' };
      },
    };
  },
});
