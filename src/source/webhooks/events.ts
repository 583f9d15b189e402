// Which stream each incident.io webhook event feeds, and how its record is found: in the payload
// when the payload has the list endpoint's shape, else by one GET of the object (private variants
// carry only an id; some public ones carry a slimmer or older shape than the stream emits).

export interface EventRoute {
  stream: string;
  /** The object as the stream emits it, when the payload holds it in that shape. */
  recordOf?: (payload: Record<string, unknown>) => Record<string, unknown> | undefined;
  /** The object's id, for events whose record is fetched. */
  idOf?: (payload: Record<string, unknown>) => string | undefined;
  /** GET path of one object (the show endpoint), for events whose record is fetched. */
  showPath?: (id: string) => string;
  /** Property of the show endpoint's answer that holds the object. */
  showField?: string;
}

type Payload = Record<string, unknown>;

const obj = (v: unknown): Payload | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Payload) : undefined;
const idOf = (p: Payload) => (typeof p.id === 'string' ? p.id : undefined);
const whole = (p: Payload) => p;
const inner = (field: string) => (p: Payload) => obj(p[field]);

/** The webhook's incident carries two fields the list's incidents do not: dropped, so shapes match. */
function incidentRecord(p: Payload | undefined): Payload | undefined {
  if (!p) return undefined;
  const { related_incidents: _r, most_recent_update_message: _m, ...rest } = p;
  return rest;
}

const SHOW = {
  incidents: { showPath: (id: string) => `/v2/incidents/${encodeURIComponent(id)}`, showField: 'incident' },
  follow_ups: {
    showPath: (id: string) => `/v2/follow_ups/${encodeURIComponent(id)}`,
    showField: 'follow_up',
  },
  actions: { showPath: (id: string) => `/v2/actions/${encodeURIComponent(id)}`, showField: 'action' },
  alerts: { showPath: (id: string) => `/v2/alerts/${encodeURIComponent(id)}`, showField: 'alert' },
  escalations: {
    showPath: (id: string) => `/v2/escalations/${encodeURIComponent(id)}`,
    showField: 'escalation',
  },
  schedules: { showPath: (id: string) => `/v2/schedules/${encodeURIComponent(id)}`, showField: 'schedule' },
  postmortem_documents: {
    showPath: (id: string) => `/v1/postmortem_documents/${encodeURIComponent(id)}`,
    showField: 'postmortem_document',
  },
} as const;

const fetched = (stream: keyof typeof SHOW, id = idOf): EventRoute => ({ stream, idOf: id, ...SHOW[stream] });

/** Every event type of the spec's webhooks that changes a record of a stream. */
export const EVENT_ROUTES: Record<string, EventRoute> = {
  'public_incident.incident_created_v2': { stream: 'incidents', recordOf: incidentRecord },
  'public_incident.incident_updated_v2': { stream: 'incidents', recordOf: incidentRecord },
  'public_incident.incident_status_updated_v2': {
    stream: 'incidents',
    recordOf: (p) => incidentRecord(obj(p.incident)),
  },
  'private_incident.incident_created_v2': fetched('incidents'),
  'private_incident.incident_updated_v2': fetched('incidents'),
  'public_incident.follow_up_created_v2': { stream: 'follow_ups', recordOf: whole },
  'public_incident.follow_up_updated_v2': { stream: 'follow_ups', recordOf: whole },
  // The v1 follow-up events carry the older action shape: the v2 record is fetched.
  'public_incident.follow_up_created_v1': fetched('follow_ups'),
  'public_incident.follow_up_updated_v1': fetched('follow_ups'),
  'private_incident.follow_up_created_v1': fetched('follow_ups'),
  'private_incident.follow_up_updated_v1': fetched('follow_ups'),
  'private_incident.follow_up_created_v2': fetched('follow_ups'),
  'private_incident.follow_up_updated_v2': fetched('follow_ups'),
  // Action events carry ActionV1; the stream emits ActionV2 (with its creator).
  'public_incident.action_created_v1': fetched('actions'),
  'public_incident.action_updated_v1': fetched('actions'),
  'private_incident.action_created_v1': fetched('actions'),
  'private_incident.action_updated_v1': fetched('actions'),
  'public_alert.alert_created_v1': { stream: 'alerts', recordOf: whole },
  'public_alert.alert_resolved_v1': { stream: 'alerts', recordOf: whole },
  'private_alert.alert_created_v1': fetched('alerts'),
  'private_alert.alert_resolved_v1': fetched('alerts'),
  'public_escalation.escalation_created_v1': { stream: 'escalations', recordOf: whole },
  'public_escalation.escalation_status_updated_v1': {
    stream: 'escalations',
    recordOf: inner('escalation'),
  },
  'private_escalation.escalation_created_v1': fetched('escalations'),
  'private_escalation.escalation_status_updated_v1': fetched('escalations'),
  'public_incident.postmortem_document_status_updated_v1': {
    stream: 'postmortem_documents',
    recordOf: inner('postmortem_document'),
  },
  'private_incident.postmortem_document_status_updated_v1': fetched('postmortem_documents'),
  // Schedule events carry the slim schedule (no config, no shifts): the full one is fetched.
  'schedule.created_v1': fetched('schedules'),
  'schedule.updated_v1': fetched('schedules'),
};

/**
 * Events that are verified and acknowledged but become no record: a deleted schedule and a shift
 * change are not rows of the schedules stream; membership changes are not rows of any stream.
 */
export const IGNORED_EVENTS = new Set([
  'schedule.deleted_v1',
  'schedule.shift_change_v1',
  'private_incident.membership_granted_v1',
  'private_incident.membership_revoked_v1',
]);

/** The streams webhooks can feed. */
export const WEBHOOK_STREAMS = [...new Set(Object.values(EVENT_ROUTES).map((r) => r.stream))];

export type EventOutcome =
  | { kind: 'record'; stream: string; record: Record<string, unknown> }
  | { kind: 'fetch'; stream: string; id: string; route: EventRoute }
  | { kind: 'ignored'; reason: string };

/** What one verified event body becomes. */
export function routeEvent(body: unknown): EventOutcome {
  const b = obj(body);
  const type = typeof b?.event_type === 'string' ? b.event_type : undefined;
  if (!b || !type) return { kind: 'ignored', reason: 'no event_type' };
  if (IGNORED_EVENTS.has(type)) return { kind: 'ignored', reason: `${type} changes no record` };
  const route = EVENT_ROUTES[type];
  const payload = obj(b[type]);
  if (!route) return { kind: 'ignored', reason: `${type} is not an event this source knows` };
  if (!payload) return { kind: 'ignored', reason: `${type} without its payload` };
  const record = route.recordOf?.(payload);
  if (record && typeof record.id === 'string') return { kind: 'record', stream: route.stream, record };
  const id = (route.idOf ?? idOf)(payload);
  if (id && route.showPath) return { kind: 'fetch', stream: route.stream, id, route };
  return { kind: 'ignored', reason: `${type} without an id` };
}
