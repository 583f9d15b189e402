// Writes on alerts: alert events from HTTP alert sources (authenticated by the source's secret token,
// deduplicated by deduplication_key per source), resolving an alert, and alert notes.
import { randomUUID } from 'crypto';
import { SimHttpError } from '../errors';
import type { AlertRec } from '../resources/types';
import { invalid, publicView } from './list';
import type { Endpoint } from './types';

/** Alert sources whose alerts only their own system may resolve (the API answers 422). */
const EXTERNALLY_RESOLVED = new Set(['datadog']);
const HTTP_SOURCES = new Set(['http', 'http_custom']);
const ALERT_WRITERS = ['manage_settings', 'global_access'];

export const alertWriteEndpoints: Endpoint[] = [
  // Spec: POST /v2/alert_events/http/{alert_source_config_id} (Alert Events V2#CreateHTTP) — 202. One
  // alert per (alert source, deduplication_key): a firing event updates (or re-opens) it, a resolved
  // event resolves it; a resolved event for a key never seen is accepted and changes nothing.
  {
    route: 'POST /v2/alert_events/http/{alert_source_config_id}',
    roles: 'none',
    auth: 'alert_source_token',
    handle(ctx) {
      const source = ctx.db.alert_sources.require(ctx.params.alert_source_config_id, 'alert source');
      if (!HTTP_SOURCES.has(source.source_type)) {
        throw invalid('alert_source_config_id', `Alert source ${source.id} is not an HTTP alert source`);
      }
      const b = ctx.body as {
        title: string;
        status: 'firing' | 'resolved';
        deduplication_key?: string;
        description?: string;
        source_url?: string;
      };
      const key = b.deduplication_key ?? randomUUID();
      const existing = ctx.db.alerts.find(
        (a) => a.alert_source_id === source.id && a.deduplication_key === key
      );
      const now = ctx.db.clock.iso();
      const fields = {
        title: b.title,
        ...(b.description !== undefined && { description: b.description }),
        ...(b.source_url !== undefined && { source_url: b.source_url }),
      };
      if (existing) {
        ctx.db.alerts.update(existing.id, (a) => {
          const { resolved_at: _r, ...rest } = a;
          return b.status === 'resolved'
            ? { ...a, ...fields, status: 'resolved', resolved_at: a.resolved_at ?? now }
            : ({ ...rest, ...fields, status: 'firing' } as AlertRec);
        });
      } else if (b.status === 'firing') {
        ctx.db.alerts.insert({
          id: ctx.db.newId('alerts'),
          alert_source_id: source.id,
          deduplication_key: key,
          status: 'firing',
          attributes: [],
          ...fields,
          created_at: now,
          updated_at: now,
        });
        ctx.created('alerts');
      }
      return { deduplication_key: key, message: 'Event accepted for processing', status: 'success' };
    },
  },
  // Spec: POST /v2/alerts/{id}/actions/resolve (Alerts V2#Resolve) — a resolved alert comes back
  // unchanged; alerts of externally resolved sources answer 422.
  {
    route: 'POST /v2/alerts/{id}/actions/resolve',
    roles: ALERT_WRITERS,
    handle(ctx) {
      const alert = ctx.db.alerts.require(ctx.params.id);
      if (alert.status === 'resolved') return { alert: publicView(alert) };
      const source = ctx.db.alert_sources.get(alert.alert_source_id);
      if (source && EXTERNALLY_RESOLVED.has(source.source_type)) {
        throw SimHttpError.one(
          422,
          'validation_error',
          'externally_resolved',
          `Alerts from ${source.name} are resolved by ${source.source_type} itself, not through the API`
        );
      }
      const now = ctx.db.clock.iso();
      const resolved = ctx.db.alerts.update(alert.id, { status: 'resolved', resolved_at: now });
      return { alert: publicView(resolved) };
    },
  },
  // Spec: POST /v1/alert_notes (Alert Notes V1#Create) — exactly one of alert_id / alert_group_id.
  {
    route: 'POST /v1/alert_notes',
    roles: ALERT_WRITERS,
    handle(ctx) {
      const b = ctx.body as { alert_id?: string; alert_group_id?: string; content: string };
      if ((b.alert_id === undefined) === (b.alert_group_id === undefined)) {
        throw invalid('alert_id', 'Provide exactly one of alert_id or alert_group_id');
      }
      if (b.alert_id !== undefined && !ctx.db.alerts.has(b.alert_id)) {
        throw invalid('alert_id', `No alert found with id ${b.alert_id}`);
      }
      if (
        b.alert_group_id !== undefined &&
        !ctx.db.alerts.find((a) => (a.alert_group_ids ?? []).includes(b.alert_group_id!))
      ) {
        throw invalid('alert_group_id', `No alert group found with id ${b.alert_group_id}`);
      }
      const now = ctx.db.clock.iso();
      const note = ctx.db.alert_notes.insert({
        id: ctx.db.newId('alert_notes'),
        ...(b.alert_id !== undefined ? { alert_id: b.alert_id } : { alert_group_id: b.alert_group_id }),
        content: b.content,
        creator: ctx.db.actorFor(ctx.key),
        images: [],
        created_at: now,
        updated_at: now,
      });
      ctx.created('alert_notes');
      return { alert_note: publicView(note) };
    },
  },
];
