import { ApiError, BadRecordError } from '../../errors';
import { paginate } from '../../http/paginate';
import { parseTimestamp } from '../../util/time';
import { ALERT_SOURCES } from '../names';
import { requireOneOf, sameText } from './common';
import { defineAction, type ActionContext } from './types';

interface Alert {
  id: string;
  status: 'firing' | 'resolved' | string;
  alert_source_id?: string;
  resolved_at?: string;
  created_at?: string;
}

interface ResolveAlertInput {
  alert_id?: string;
  deduplication_key?: string;
  alert_source?: string;
}

/**
 * The alert a deduplication key names (the firing one, else the latest resolved one).
 * Spec: GET /v2/alerts (Alerts V2#List) — https://docs.incident.io/api-reference/alerts-v2/list
 */
async function alertByKey(ctx: ActionContext, input: ResolveAlertInput): Promise<Alert> {
  const source = input.alert_source
    ? await ctx.names.resolve(ALERT_SOURCES, input.alert_source, '/alert_source')
    : undefined;
  const query: Record<string, string> = { 'deduplication_key[is]': input.deduplication_key! };
  if (source) query['alert_source[one_of]'] = source;
  const alerts: Alert[] = [];
  for await (const page of paginate<Alert>(ctx.client, {
    path: '/v2/alerts',
    recordsField: 'alerts',
    pageSize: 50,
    query,
    signal: ctx.signal,
  })) {
    alerts.push(...page.records);
  }
  const firing = alerts.filter((a) => a.status === 'firing');
  if (firing.length > 1) {
    throw new BadRecordError([
      {
        field: '/deduplication_key',
        reason: `${firing.length} firing alerts have this key (alert sources ${[...new Set(firing.map((a) => a.alert_source_id))].join(', ')}): give alert_source or alert_id`,
      },
    ]);
  }
  if (firing.length === 1) return firing[0];
  const latest = alerts.sort(
    (a, b) => (parseTimestamp(b.created_at) ?? 0) - (parseTimestamp(a.created_at) ?? 0)
  )[0];
  if (!latest) {
    throw new BadRecordError([
      { field: '/deduplication_key', reason: 'no alert has this deduplication key' },
    ]);
  }
  return latest;
}

// Spec: POST /v2/alerts/{id}/actions/resolve (Alerts V2#Resolve) — https://docs.incident.io/api-reference/alerts-v2/resolve
// "Resolving an already-resolved alert is a no-op and returns the alert unchanged."
export const resolveAlert = defineAction<ResolveAlertInput>({
  name: 'resolve_alert',
  description: 'Resolves a firing alert, by id or by deduplication key (and alert source).',
  docs: 'https://docs.incident.io/api-reference/alerts-v2/resolve',
  input: 'schemas/actions/resolve_alert.json',
  idempotency:
    'no-op when already resolved: incident.io returns a resolved alert unchanged, reported as unchanged',
  endpoint: { method: 'POST', path: '/v2/alerts/{id}/actions/resolve' },
  readme: { idempotency: 'no-op when already resolved (reported `unchanged`)' },
  idempotent: true,
  async prepare(input, _basis, ctx) {
    requireOneOf(input, ['alert_id', 'deduplication_key']);
    if (input.alert_source !== undefined && input.alert_id !== undefined) {
      throw new BadRecordError([
        { field: '/alert_source', reason: 'goes with deduplication_key, not alert_id' },
      ]);
    }
    let id = input.alert_id;
    if (id === undefined) {
      const alert = await alertByKey(ctx, input);
      if (alert.status !== 'firing') return { done: { id: alert.id, outcome: 'unchanged' } };
      id = alert.id;
    }
    const alertId = id;
    return {
      targetId: alertId,
      request: {
        method: 'POST',
        path: `/v2/alerts/${encodeURIComponent(alertId)}/actions/resolve`,
        route: 'POST /v2/alerts/{id}/actions/resolve',
        idempotent: true,
      },
      interpret(data) {
        const alert = (data as { alert: Alert }).alert;
        const resolved = parseTimestamp(alert.resolved_at);
        return {
          id: alert.id,
          outcome: resolved !== undefined && resolved < ctx.runStartedAt ? 'unchanged' : 'updated',
        };
      },
      explainError(err: ApiError) {
        if (err.status === 404) {
          return `incident.io has no alert ${alertId} this key may resolve (HTTP 404${err.requestId ? `, request_id ${err.requestId}` : ''}): private alerts need a key with global alerts access`;
        }
        return undefined;
      },
    };
  },
});

interface AlertNote {
  id: string;
  content: string;
  alert_id?: string;
  alert_group_id?: string;
}

interface AlertNoteInput {
  alert_id?: string;
  alert_group_id?: string;
  content: string;
}

/**
 * The notes of an alert (or alert group), every page, once per run.
 * Spec: GET /v1/alert_notes (Alert Notes V1#List) — https://docs.incident.io/api-reference/alert-notes-v1/list
 */
function notesOf(ctx: ActionContext, param: 'alert_id' | 'alert_group_id', id: string): Promise<AlertNote[]> {
  return ctx.cache.once(`alert_notes:${param}:${id}`, async () => {
    const out: AlertNote[] = [];
    for await (const page of paginate<AlertNote>(ctx.client, {
      path: '/v1/alert_notes',
      recordsField: 'alert_notes',
      pageSize: 250,
      query: { [param]: id },
      signal: ctx.signal,
    })) {
      out.push(...page.records);
    }
    return out;
  });
}

// Spec: POST /v1/alert_notes (Alert Notes V1#Create) — https://docs.incident.io/api-reference/alert-notes-v1/create
// The API has no idempotency for notes; the connector looks before it writes.
export const createAlertNote = defineAction<AlertNoteInput>({
  name: 'create_alert_note',
  description: 'Adds a markdown note to an alert or an alert group.',
  docs: 'https://docs.incident.io/api-reference/alert-notes-v1/create',
  input: 'schemas/actions/create_alert_note.json',
  idempotency:
    "none in the API; the connector looks before it writes: the alert's notes are listed once per run and a note with the same content is reported as existing",
  endpoint: { method: 'POST', path: '/v1/alert_notes' },
  readme: { idempotency: 'none in the API; lookup before create by (alert, content)' },
  idempotent: false,
  async prepare(input, _basis, ctx) {
    requireOneOf(input, ['alert_id', 'alert_group_id']);
    const param = input.alert_id !== undefined ? 'alert_id' : 'alert_group_id';
    const target = (input.alert_id ?? input.alert_group_id)!;
    let notes: AlertNote[];
    try {
      notes = await notesOf(ctx, param, target);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        throw new BadRecordError([
          {
            field: `/${param}`,
            reason: `"${target}" is not a known ${param === 'alert_id' ? 'alert' : 'alert group'}`,
          },
        ]);
      }
      throw e;
    }
    const existing = notes.find((n) => sameText(n.content, input.content));
    if (existing) return { done: { id: existing.id, outcome: 'existing' } };
    return {
      claim: `alert_note:${param}:${target}:${input.content.trim()}`,
      async recheck() {
        ctx.cache.forget(`alert_notes:${param}:${target}`);
        const found = (await notesOf(ctx, param, target)).find((n) => sameText(n.content, input.content));
        return found && { id: found.id, outcome: 'created' };
      },
      request: { method: 'POST', path: '/v1/alert_notes', body: { [param]: target, content: input.content } },
      interpret(data) {
        return { id: (data as { alert_note: AlertNote }).alert_note.id, outcome: 'created' };
      },
    };
  },
});
