import { BadRecordError } from '../../errors';
import { childrenOf, compact, incidentRef, IncidentRef, requireOneOf } from './common';
import { defineAction, type ActionContext } from './types';

interface Attachment {
  id: string;
  incident_id: string;
  resource: { resource_type: string; external_id?: string; permalink?: string; title?: string };
}

interface AttachmentInput {
  incident_id: string;
  resource_type: string;
  external_id?: string;
  url?: string;
  title?: string;
  emoji?: string;
}

/**
 * The attachments of an incident, read once per run.
 * Spec: GET /v1/incident_attachments (Incident Attachments V1#List) — https://docs.incident.io/api-reference/incident-attachments-v1/list
 */
function attachmentsOf(ctx: ActionContext, incident: IncidentRef): Promise<Attachment[]> {
  return ctx.cache.once(`attachments:${incident.id}`, () =>
    childrenOf(incident, '/incident_id', async () => {
      const r = await ctx.client.get<{ incident_attachments?: Attachment[] }>('/v1/incident_attachments', {
        incident_id: incident.id,
      });
      return r.data?.incident_attachments ?? [];
    })
  );
}

// Spec: POST /v1/incident_attachments (Incident Attachments V1#Create) — https://docs.incident.io/api-reference/incident-attachments-v1/create
// No idempotency key in the API: lookup before create by the resource's external id (or URL).
export const createIncidentAttachment = defineAction<AttachmentInput>({
  name: 'create_incident_attachment',
  description:
    'Attaches an external resource (a PagerDuty incident, a Jira issue, a URL, ...) to an incident once.',
  docs: 'https://docs.incident.io/api-reference/incident-attachments-v1/create',
  input: 'schemas/actions/create_incident_attachment.json',
  idempotency:
    "lookup by external id: the incident's attachments are listed once per run and a resource of the same type with the same external_id (or URL) is reported as existing",
  endpoint: { method: 'POST', path: '/v1/incident_attachments' },
  readme: { idempotency: 'lookup by (incident, resource type, external id or URL)' },
  idempotent: false,
  async prepare(input, _basis, ctx) {
    // The spec: "either external_id or url, but not both"; title and emoji are "Only supported for
    // the arbitrary_url resource type", which attaches a link given as url.
    requireOneOf(input, ['external_id', 'url']);
    if (input.resource_type === 'arbitrary_url') {
      if (input.url === undefined)
        throw new BadRecordError([{ field: '/url', reason: 'is required for an arbitrary_url attachment' }]);
    } else {
      const extra = (['title', 'emoji'] as const).find((k) => input[k] !== undefined);
      if (extra)
        throw new BadRecordError([
          { field: `/${extra}`, reason: 'is only supported for the arbitrary_url resource type' },
        ]);
    }
    const incident = await incidentRef(ctx, input.incident_id, '/incident_id');
    const same = (a: Attachment) =>
      a.resource?.resource_type === input.resource_type &&
      (input.external_id !== undefined
        ? a.resource.external_id === input.external_id
        : a.resource.permalink === input.url);
    const existing = (await attachmentsOf(ctx, incident)).find(same);
    if (existing) return { done: { id: existing.id, outcome: 'existing' } };
    return {
      async recheck() {
        ctx.cache.forget(`attachments:${incident.id}`);
        const found = (await attachmentsOf(ctx, incident)).find(same);
        return found && { id: found.id, outcome: 'created' };
      },
      claim: `attachment:${incident.id}:${input.resource_type}:${input.external_id ?? `url:${input.url}`}`,
      request: {
        method: 'POST',
        path: '/v1/incident_attachments',
        body: compact({
          incident_id: incident.id,
          resource: {
            resource_type: input.resource_type,
            external_id: input.external_id,
            url: input.url,
            title: input.title,
            emoji: input.emoji,
          },
        }),
      },
      interpret(data) {
        return {
          id: (data as { incident_attachment: Attachment }).incident_attachment.id,
          outcome: 'created',
        };
      },
    };
  },
});
