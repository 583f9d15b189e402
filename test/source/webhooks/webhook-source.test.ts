// The webhook source through the plugin interface, on a server the "runtime" owns: signatures and
// timestamps checked, 2xx only once the delivery is in the fsynced event log, duplicates dropped,
// older versions never emitted after newer ones, private events completed by one GET, the
// reconciliation poll filling what no delivery brought, and the state resuming exactly after the
// last record taken.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import plugin, { type SourceMessage, type StreamState } from '../../../src';
import { startSimulator, newSigningSecret, type Simulator } from '../../../simulator/src';
import { Redactor } from '../../../src/host/redact';
import type { WebhookSource } from '../../../src/source/webhooks/webhook-source';

let sim: Simulator;
let dir: string;
let server: http.Server;
let url: string;
const secret = newSigningSecret();
const signer = new Webhook(secret);

beforeAll(async () => {
  sim = await startSimulator({ incidents: 300, size: 'small' });
});
afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhooks-test-'));
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function source(extra: Record<string, unknown> = {}): WebhookSource {
  return plugin.createWebhookSource!(
    { api_key: sim.apiKey, base_url: sim.url, webhook_secret: secret },
    { webhooks: { log_dir: dir, path: '/hooks', reconcile_minutes: 0, ...extra } }
  ) as WebhookSource;
}

/** Reads in the background until stopped; the messages so far in `messages`. */
function run(src: WebhookSource, state?: Record<string, StreamState>, streams: string[] = ['incidents']) {
  const stop = new AbortController();
  const messages: SourceMessage[] = [];
  const done = (async () => {
    for await (const m of src.read({ streams, state, signal: stop.signal, server })) messages.push(m);
  })();
  return {
    messages,
    records: () =>
      messages.filter((m) => m.type === 'record').map((m) => (m as { data: Record<string, unknown> }).data),
    stop: async () => {
      stop.abort();
      await done;
      src.close();
    },
  };
}

async function deliver(
  id: string,
  body: unknown,
  opts: { at?: Date; signer?: Webhook; headers?: Record<string, string> } = {}
): Promise<number> {
  const raw = JSON.stringify(body);
  const at = opts.at ?? new Date();
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': (opts.signer ?? signer).sign(id, at, raw),
      ...opts.headers,
    },
    body: raw,
  });
  await res.text();
  return res.status;
}

function incidentEvent(i: number, kind = 'updated') {
  const incident = { ...(sim.incidents.render(i) as Record<string, unknown>), related_incidents: [] };
  const type = `public_incident.incident_${kind}_v2`;
  return { event_type: type, [type]: incident };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

test('refuses a wrong signature, a stale or future timestamp and missing headers with 4xx; accepts a genuine one once it is in the log', async () => {
  const r = run(source());
  await until(() => r.messages.length > 0, 'the start');
  const body = incidentEvent(0);
  expect(await deliver('msg_forged', body, { signer: new Webhook(newSigningSecret()) })).toBe(401);
  expect(await deliver('msg_stale', body, { at: new Date(Date.now() - 10 * 60_000) })).toBe(401);
  expect(await deliver('msg_future', body, { at: new Date(Date.now() + 10 * 60_000) })).toBe(401);
  const noSig = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  expect(noSig.status).toBe(400);
  expect(fs.readFileSync(path.join(dir, 'events.log'), 'utf8')).toBe('');
  expect(await deliver('msg_good', body)).toBe(200);
  // The 2xx came after the append: the delivery is in the file already.
  expect(fs.readFileSync(path.join(dir, 'events.log'), 'utf8')).toContain('"msg_good"');
  await until(() => r.records().length === 1, 'the record');
  await r.stop();
  expect(r.records()[0].id).toBe(sim.incidents.id(0));
});

test('emits the record in the polling source shape, drops duplicates by webhook-id and never lets an older version overwrite a newer one', async () => {
  const store = sim.incidents;
  const old = incidentEvent(1);
  store.edit(1, (rec) => ({ ...rec, name: 'newer name' }));
  const newer = incidentEvent(1);
  const r = run(source());
  expect(await deliver('msg_new', newer)).toBe(200);
  expect(await deliver('msg_new', newer)).toBe(200); // Svix's at-least-once: a duplicate
  expect(await deliver('msg_old', old)).toBe(200); // an older version, arriving late
  expect(await deliver('msg_same', incidentEvent(1, 'created'))).toBe(200); // same version, other event
  await until(() => r.messages.some((m) => m.type === 'state'), 'a state');
  await new Promise((res) => setTimeout(res, 200));
  await r.stop();
  const records = r.records();
  expect(records.map((x) => x.name)).toEqual(['newer name']);
  // The polling source's record of the same incident: same keys (the webhook's extra field dropped).
  const polled = await plugin.createSource({ api_key: sim.apiKey, base_url: sim.url }, {}).sample!(
    'incidents',
    300
  );
  const same = polled.find((p) => p.id === records[0].id)!;
  expect(Object.keys(records[0]).sort()).toEqual(Object.keys(same).sort());
  expect(records[0]).toEqual(same);
});

test('a private event (id only) is completed by one GET through the key', async () => {
  const store = sim.incidents;
  const id = store.id(2);
  const before = sim.stats().byRoute['GET /v2/incidents/{id}'] ?? 0;
  const r = run(source());
  const type = 'private_incident.incident_updated_v2';
  expect(await deliver('msg_private', { event_type: type, [type]: { id } })).toBe(200);
  await until(() => r.records().length === 1, 'the record');
  await r.stop();
  expect(sim.stats().byRoute['GET /v2/incidents/{id}'] - before).toBe(1);
  expect(r.records()[0]).toMatchObject({ id, name: store.record(2).name });
  expect(r.records()[0].incident_status).toBeDefined();
});

test('a restart from the last state emits only what came after it; the log keeps what was acknowledged', async () => {
  const first = run(source());
  for (let i = 10; i < 15; i++) expect(await deliver(`msg_${i}`, incidentEvent(i))).toBe(200);
  await until(() => first.records().length === 5, 'five records');
  await first.stop();
  const states = first.messages.filter((m) => m.type === 'state') as Array<{ state: StreamState }>;
  const last = states[states.length - 1].state;
  // Deliveries while the source was down were retried by incident.io; here one arrives again twice.
  const second = run(source(), { incidents: last });
  expect(await deliver('msg_14', incidentEvent(14))).toBe(200);
  expect(await deliver('msg_20', incidentEvent(20))).toBe(200);
  await until(() => second.records().length === 1, 'the new record');
  await new Promise((res) => setTimeout(res, 200));
  await second.stop();
  expect(second.records().map((x) => x.id)).toEqual([sim.incidents.id(20)]);
  // Without the state (a runtime that lost it), everything in the log comes again: nothing is lost.
  const third = run(source());
  await until(() => third.records().length === 6, 'every record');
  await third.stop();
});

test('the reconciliation poll brings a change no delivery announced, counted apart from pushes', async () => {
  const store = sim.incidents;
  // reconcile_minutes 0.005: every 300 ms. The first poll's cursor is the listener's first start.
  const src = source({ reconcile_minutes: 0.005 });
  const r = run(src);
  expect(await deliver('msg_a', incidentEvent(30))).toBe(200);
  await until(() => r.records().length === 1, 'the pushed record');
  await new Promise((res) => setTimeout(res, 1100)); // past the poll's lookback of the cursor
  store.edit(31, (rec) => ({ ...rec, name: 'changed while the endpoint was down' }));
  await until(
    () => r.records().some((x) => x.name === 'changed while the endpoint was down'),
    'the polled record'
  );
  const status = src.status();
  await r.stop();
  expect(status.push).toBe(1);
  expect(status.poll).toBeGreaterThanOrEqual(1);
  expect(status.byStream.incidents.poll).toBe(status.poll);
  const summary = r.messages.filter((m) => m.type === 'log').map((m) => (m as { message: string }).message);
  expect(summary.join('\n')).toMatch(/1 records by push, \d+ by poll/);
});

test('the signing secret is redacted whole and by its base64 part', () => {
  const redactor = new Redactor();
  redactor.add(secret);
  const bare = secret.slice('whsec_'.length);
  expect(redactor.redact(`a ${secret} b ${bare} c`)).toBe('a [REDACTED] b [REDACTED] c');
});
