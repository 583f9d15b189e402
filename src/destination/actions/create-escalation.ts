import { ESCALATION_PATHS } from '../names';
import {
  compact,
  createdOrExisting,
  deterministicKey,
  incidentRef,
  requireOneOf,
  resolveAll,
} from './common';
import { defineAction } from './types';

interface EscalationInput {
  title: string;
  description?: string;
  escalation_path?: string;
  users?: string[];
  incident_id?: string;
  idempotency_key?: string;
}

// Spec: POST /v2/escalations (Escalations V2#Create) — https://docs.incident.io/api-reference/escalations-v2/create
// "If this key has already been used, the existing escalation will be returned." Rate-limited to 60
// requests a minute: the key's limiter learns that limit from the response's X-RateLimit-Limit.
export const createEscalation = defineAction<EscalationInput>({
  name: 'create_escalation',
  description: 'Pages people through an escalation path (by name or id) or directly (users by email or id).',
  docs: 'https://docs.incident.io/api-reference/escalations-v2/create',
  input: 'schemas/actions/create_escalation.json',
  idempotency:
    'idempotency_key: the record field when given, else a sha256 of the record; a replay returns the existing escalation (60 requests/minute)',
  endpoint: { method: 'POST', path: '/v2/escalations' },
  readme: {
    endpointNote: ' (60 requests/minute)',
    idempotency: '`idempotency_key` from the record, else a sha256 of the record',
  },
  idempotent: true,
  async prepare(input, basis, ctx) {
    requireOneOf(input, ['escalation_path', 'users']);
    const [pathId, users, incident] = await resolveAll(
      input.escalation_path
        ? ctx.names.resolve(ESCALATION_PATHS, input.escalation_path, '/escalation_path')
        : undefined,
      input.users ? Promise.all(input.users.map((u, i) => ctx.names.user(u, `/users/${i}`))) : undefined,
      input.incident_id ? incidentRef(ctx, input.incident_id, '/incident_id') : undefined
    );
    const body = compact({
      idempotency_key: input.idempotency_key ?? deterministicKey('esc', basis),
      title: input.title,
      description: input.description,
      escalation_path_id: pathId,
      user_ids: users?.map((u) => u.id),
      incident_id: incident?.id,
    });
    return {
      request: { method: 'POST', path: '/v2/escalations', body, idempotent: true },
      interpret(data) {
        const e = (data as { escalation: { id: string; created_at?: string } }).escalation;
        return { id: e.id, outcome: createdOrExisting(e.created_at, ctx.runStartedAt) };
      },
    };
  },
});
