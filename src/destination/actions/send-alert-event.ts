import { BadRecordError } from '../../errors';
import { ALERT_SOURCES } from '../names';
import { compact, deterministicKey } from './common';
import { defineAction, type ActionContext } from './types';

interface AlertEventInput {
  alert_source?: string;
  title: string;
  status: 'firing' | 'resolved';
  description?: string;
  deduplication_key?: string;
  metadata?: Record<string, unknown>;
  source_url?: string;
}

/** The record's key when given, else a hash of the record without its status (so "resolved" matches "firing"). */
export function alertDeduplicationKey(input: AlertEventInput, basis: Record<string, unknown>): string {
  if (input.deduplication_key) return input.deduplication_key;
  const rest = { ...basis };
  delete rest.status;
  return deterministicKey('ae', rest);
}

const HTTP_SOURCES = new Set(['http', 'http_custom']);

/** The alert source's id and secret token: from the destination config, or looked up with the API key. */
async function alertSource(
  ctx: ActionContext,
  value: string | undefined
): Promise<{ id: string; token: string }> {
  const { alert_source: configured, alert_source_token: token } = ctx.config;
  const wanted = value ?? configured;
  if (!wanted) {
    throw new BadRecordError([
      { field: '/alert_source', reason: 'is required (or set alert_source in the destination config)' },
    ]);
  }
  if (token) {
    if (configured && wanted !== configured) {
      throw new BadRecordError([
        {
          field: '/alert_source',
          reason: `must be ${configured}: the destination config's alert_source_token belongs to that alert source`,
        },
      ]);
    }
    return { id: wanted, token };
  }
  const source = await ctx.names.resolveItem(ALERT_SOURCES, wanted, '/alert_source');
  if (!HTTP_SOURCES.has(source.source_type)) {
    throw new BadRecordError([
      {
        field: '/alert_source',
        reason: `"${source.name}" is a ${source.source_type} alert source: events can only be sent to HTTP alert sources`,
      },
    ]);
  }
  if (!source.secret_token) {
    throw new BadRecordError([
      {
        field: '/alert_source',
        reason: `"${source.name}" (${source.source_type}) has no secret token to send events with: use an HTTP alert source, or set alert_source_token`,
      },
    ]);
  }
  return { id: source.id, token: source.secret_token };
}

// Spec: POST /v2/alert_events/http/{alert_source_config_id} (Alert Events V2#CreateHTTP) —
// https://docs.incident.io/api-reference/alert-events-v2/create-http
// Authenticated by the alert source's secret token (Bearer), not the API key; answers 202.
export const sendAlertEvent = defineAction<AlertEventInput>({
  name: 'send_alert_event',
  description: 'Sends one alert event (firing or resolved) to an HTTP alert source.',
  docs: 'https://docs.incident.io/api-reference/alert-events-v2/create-http',
  input: 'schemas/actions/send_alert_event.json',
  idempotency:
    'deduplication_key: the record field when given, else a sha256 of the record without its status; incident.io keeps one alert per key and alert source, and "resolved" with the same key resolves it',
  // Only to look the alert source's token up with the API key; none with alert_source_token.
  endpoint: { method: 'POST', path: '/v2/alert_events/http/{alert_source_config_id}' },
  readme: {
    idempotency: '`deduplication_key` from the record, else a sha256 of the record without its status',
    roles: "viewer (to look up the source's token), or none with `alert_source_token`",
  },
  idempotent: true,
  async prepare(input, basis, ctx) {
    const source = await alertSource(ctx, input.alert_source);
    const deduplication_key = alertDeduplicationKey(input, basis);
    const body = compact({
      title: input.title,
      status: input.status,
      description: input.description,
      deduplication_key,
      metadata: input.metadata,
      source_url: input.source_url,
    });
    return {
      request: {
        method: 'POST',
        path: `/v2/alert_events/http/${encodeURIComponent(source.id)}`,
        route: 'POST /v2/alert_events/http/{alert_source_config_id}',
        body,
        idempotent: true,
        authorization: `Bearer ${source.token}`,
      },
      interpret(data) {
        const key =
          (data as { deduplication_key?: string } | undefined)?.deduplication_key ?? deduplication_key;
        return { id: key, outcome: input.status === 'resolved' ? 'updated' : 'created' };
      },
      explainError(err) {
        if (err.status === 401) {
          return `incident.io refused the alert source's token for ${source.id} (HTTP 401${err.requestId ? `, request_id ${err.requestId}` : ''}): check alert_source_token, or that the alert source still exists`;
        }
        return undefined;
      },
    };
  },
});
