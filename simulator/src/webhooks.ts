// Webhooks as incident.io sends them through Svix: a registered endpoint gets a signed POST
// (webhook-id, webhook-timestamp, webhook-signature over id.timestamp.body) for every incident and
// follow-up the simulator's writes change, and for seeded changes; anything but a 2xx is retried on a
// backoff schedule (Svix's, scaled down for tests). Svix delivers at least once and in no guaranteed
// order: duplicates and reordering are modelled, and forged deliveries (a wrong secret, or a genuine
// one replayed outside the timestamp tolerance) are sent now and then, never retried.
import http from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { mulberry32, type Rng } from './ids';
import type { IncidentStore } from './incidents';

/** Svix's schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const SVIX_RETRY_SCHEDULE_MS = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];

export interface WebhookEndpointOptions {
  url: string;
  /** The endpoint's signing secret, whsec_ and base64 (see newSigningSecret). */
  secret: string;
  /** Multiplies every retry delay (e.g. 0.001: 5 ms instead of 5 s). Default 1. */
  retryScale?: number;
  /** Waits after the first attempt; default SVIX_RETRY_SCHEDULE_MS. */
  retryScheduleMs?: number[];
  /** Chance that a message is delivered twice (each copy retried on its own). */
  duplicateRate?: number;
  /** Each message's first attempt waits a uniform [0, reorderMs] ms, so later changes can overtake. */
  reorderMs?: number;
  /** Chance that a forged delivery (wrong secret, or a stale replay) is sent beside a message. */
  badSignatureRate?: number;
  /** Private incidents get the private variant (id only), as incident.io sends them. Default true. */
  privateVariants?: boolean;
  /** incident.io gives up on an attempt after 15 s. */
  timeoutMs?: number;
  seed?: number;
}

export interface WebhookStats {
  /** Messages (events) created. */
  messages: number;
  /** HTTP attempts of genuine messages (retries, duplicates included). */
  attempts: number;
  /** Genuine deliveries answered 2xx. */
  acknowledged: number;
  /** Messages given up after the whole schedule. */
  exhausted: number;
  /** Forged deliveries sent, and how many were answered 2xx (a listener must refuse every one). */
  forged: number;
  forgedAccepted: number;
  /** Every answer status seen, by status ("error CODE" for no answer). */
  statuses: Record<string, number>;
}

/** A fresh signing secret as incident.io shows one. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

interface Message {
  id: string;
  body: string;
  acked: boolean;
}

export class WebhookSender {
  private endpoint?: Required<Omit<WebhookEndpointOptions, 'seed'>>;
  private signer?: Webhook;
  private forger?: Webhook;
  private rng: Rng = mulberry32(1);
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];
  private counter = 0;
  private readonly agent = {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
  private stats_: WebhookStats = emptyStats();
  /** Told of every message as it is created (tests and the bench compare what arrives with it). */
  onMessage?: (m: { id: string; eventType: string; body: Record<string, unknown>; sentAt: number }) => void;

  constructor(private readonly store: IncidentStore) {}

  register(opts: WebhookEndpointOptions): void {
    this.endpoint = {
      retryScale: 1,
      retryScheduleMs: SVIX_RETRY_SCHEDULE_MS,
      duplicateRate: 0,
      reorderMs: 0,
      badSignatureRate: 0,
      privateVariants: true,
      timeoutMs: 15_000,
      ...opts,
    };
    this.signer = new Webhook(opts.secret);
    this.forger = new Webhook(newSigningSecret());
    this.rng = mulberry32(opts.seed ?? 1);
  }

  get registered(): boolean {
    return this.endpoint !== undefined;
  }

  stats(): WebhookStats {
    return structuredClone(this.stats_);
  }

  /** After a write route answered: the events incident.io would send for it. */
  afterWrite(route: string, result: unknown): void {
    if (!this.endpoint) return;
    const r = (result ?? {}) as { incident?: { id?: string }; follow_up?: Record<string, unknown> };
    if (route === 'POST /v2/incidents' && r.incident?.id) this.incidentChanged(r.incident.id, 'created');
    else if (route === 'POST /v2/incidents/{id}/actions/edit' && r.incident?.id)
      this.incidentChanged(r.incident.id, 'updated');
    else if (route === 'POST /v2/follow_ups' && r.follow_up) this.followUpChanged(r.follow_up, 'created');
    else if (route === 'PUT /v2/follow_ups/{id}' && r.follow_up) this.followUpChanged(r.follow_up, 'updated');
  }

  /** Seeded changes: `count` random incidents get a new name (and updated_at), each sent as an event. */
  changeIncidents(count: number): string[] {
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const i = Math.floor(this.rng() * this.store.count());
      const n = ++this.counter;
      this.store.edit(i, (r) => ({ ...r, name: `${r.name.replace(/ \(change \d+\)$/, '')} (change ${n})` }));
      const id = this.store.id(i);
      ids.push(id);
      this.incidentChanged(id, 'updated');
    }
    return ids;
  }

  incidentChanged(id: string, kind: 'created' | 'updated'): void {
    const i = this.store.indexOfId(id);
    if (i === undefined || !this.endpoint) return;
    const incident = this.store.render(i);
    const isPrivate = this.endpoint.privateVariants && incident.visibility === 'private';
    const type = `${isPrivate ? 'private' : 'public'}_incident.incident_${kind}_v2`;
    // The webhook's incident has two fields the API's incidents lack (spec: WebhookIncidentV2).
    const payload = isPrivate ? { id } : { ...incident, related_incidents: [] };
    this.send(type, payload);
  }

  followUpChanged(followUp: Record<string, unknown>, kind: 'created' | 'updated'): void {
    this.send(`public_incident.follow_up_${kind}_v2`, followUp);
  }

  private send(eventType: string, payload: Record<string, unknown>): void {
    const ep = this.endpoint!;
    const body = { event_type: eventType, [eventType]: payload };
    const message: Message = {
      id: `msg_${randomBytes(12).toString('hex')}`,
      body: JSON.stringify(body),
      acked: false,
    };
    this.stats_.messages++;
    this.onMessage?.({ id: message.id, eventType, body, sentAt: Date.now() });
    const copies = this.rng() < ep.duplicateRate ? 2 : 1;
    for (let c = 0; c < copies; c++) this.schedule(message, 0, this.rng() * ep.reorderMs);
    if (this.rng() < ep.badSignatureRate) this.forge(message);
  }

  /** A delivery no listener may accept: a wrong secret over a changed body, or a replay from 10 min ago. */
  private forge(message: Message): void {
    const stale = this.rng() < 0.5;
    const body = stale ? message.body : message.body.replace(/"name":"/, '"name":"FORGED ');
    const at = stale ? new Date(Date.now() - 10 * 60_000) : new Date();
    const signature = (stale ? this.signer! : this.forger!).sign(message.id, at, body);
    this.stats_.forged++;
    this.track(
      this.post(message.id, at, signature, body).then((status) => {
        if (status !== undefined && status >= 200 && status < 300) this.stats_.forgedAccepted++;
      })
    );
  }

  private schedule(message: Message, attempt: number, delayMs: number): void {
    this.pending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(message, attempt));
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(message: Message, attempt: number): Promise<void> {
    const ep = this.endpoint!;
    const at = new Date();
    this.stats_.attempts++;
    const status = await this.post(
      message.id,
      at,
      this.signer!.sign(message.id, at, message.body),
      message.body
    );
    if (status !== undefined && status >= 200 && status < 300) {
      this.stats_.acknowledged++;
      message.acked = true;
    } else if (attempt < ep.retryScheduleMs.length) {
      this.schedule(message, attempt + 1, ep.retryScheduleMs[attempt] * ep.retryScale);
    } else {
      this.stats_.exhausted++;
    }
    this.pending--;
    this.checkIdle();
  }

  /** One POST; the answer's status, or undefined when there was none (refused, reset, timeout). */
  private post(id: string, at: Date, signature: string, body: string): Promise<number | undefined> {
    const ep = this.endpoint!;
    const url = new URL(ep.url);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const req = lib.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? this.agent.https : this.agent.http,
          timeout: ep.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': signature,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.count(String(res.statusCode));
            resolve(res.statusCode);
          });
          res.on('error', () => {
            this.count('error');
            resolve(undefined);
          });
        }
      );
      req.on('timeout', () => req.destroy());
      req.on('error', (e: NodeJS.ErrnoException) => {
        this.count(`error ${e.code ?? 'unknown'}`);
        resolve(undefined);
      });
      req.end(body);
    });
  }

  private count(status: string): void {
    this.stats_.statuses[status] = (this.stats_.statuses[status] ?? 0) + 1;
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.checkIdle();
    });
  }

  private checkIdle(): void {
    if (this.pending > 0 || this.inFlight.size > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves once every message is acknowledged or given up, and every forged delivery answered. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.agent.http.destroy();
    this.agent.https.destroy();
    this.endpoint = undefined;
  }
}

function emptyStats(): WebhookStats {
  return {
    messages: 0,
    attempts: 0,
    acknowledged: 0,
    exhausted: 0,
    forged: 0,
    forgedAccepted: 0,
    statuses: {},
  };
}
