// The simulator's webhook deliveries, seen by a plain endpoint: signed as Standard Webhooks (checked
// with the library, not our listener), sent for writes and seeded changes, retried on anything but a
// 2xx, with duplicates and forged deliveries when asked.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startSimulator, newSigningSecret, type Simulator } from '../../simulator/src';

interface Received {
  id: string;
  body: Record<string, unknown>;
  genuine: boolean;
  at: number;
}

let sim: Simulator;
let server: http.Server;
let url: string;
let received: Received[];
let answer: (r: Received) => number;
const secret = newSigningSecret();
const verifier = new Webhook(secret);

beforeEach(async () => {
  sim = await startSimulator({ incidents: 200, size: 'small' });
  received = [];
  answer = () => 200;
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let genuine = true;
      try {
        verifier.verify(raw, req.headers as Record<string, string>);
      } catch {
        genuine = false;
      }
      const r = {
        id: String(req.headers['webhook-id']),
        body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>,
        genuine,
        at: Date.now(),
      };
      received.push(r);
      res.writeHead(answer(r)).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterEach(async () => {
  await sim.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

test('an incident edit through the API is delivered, signed, with the incident as the API renders it', async () => {
  sim.webhooks.register({ url, secret });
  const id = sim.incidents.id(3);
  const res = await fetch(`${sim.url}/v2/incidents/${id}/actions/edit`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ incident: { name: 'edited through the API' }, notify_incident_channel: false }),
  });
  expect(res.status).toBe(200);
  await sim.webhooks.idle();
  expect(received).toHaveLength(1);
  const [r] = received;
  expect(r.genuine).toBe(true);
  const type = r.body.event_type as string;
  expect(type).toMatch(/^(public|private)_incident\.incident_updated_v2$/);
  const payload = r.body[type] as Record<string, unknown>;
  if (type.startsWith('public')) expect(payload).toMatchObject({ id, name: 'edited through the API' });
  else expect(payload).toEqual({ id });
});

test('private incidents get the id-only private variant', async () => {
  sim.webhooks.register({ url, secret });
  let i = 0;
  while (sim.incidents.render(i).visibility !== 'private') i++;
  sim.webhooks.incidentChanged(sim.incidents.id(i), 'updated');
  await sim.webhooks.idle();
  expect(received[0].body).toEqual({
    event_type: 'private_incident.incident_updated_v2',
    'private_incident.incident_updated_v2': { id: sim.incidents.id(i) },
  });
});

test('anything but a 2xx is retried on the (scaled) schedule until acknowledged', async () => {
  let failures = 3;
  answer = () => (failures-- > 0 ? 503 : 204);
  sim.webhooks.register({ url, secret, retryScale: 0.001 }); // 5 ms, 300 ms, 1.8 s, …
  sim.webhooks.changeIncidents(1);
  await sim.webhooks.idle();
  expect(received.map((r) => r.id)).toEqual(Array(4).fill(received[0].id));
  const gaps = received.slice(1).map((r, k) => r.at - received[k].at);
  expect(gaps[1]).toBeGreaterThanOrEqual(300);
  expect(gaps[2]).toBeGreaterThanOrEqual(1800);
  expect(sim.webhooks.stats()).toMatchObject({ messages: 1, attempts: 4, acknowledged: 1, exhausted: 0 });
}, 20_000);

test('duplicates and forged deliveries at the asked rates; a forgery never verifies', async () => {
  sim.webhooks.register({ url, secret, duplicateRate: 0.2, badSignatureRate: 0.1, reorderMs: 20, seed: 7 });
  sim.webhooks.changeIncidents(400);
  await sim.webhooks.idle();
  const genuine = received.filter((r) => r.genuine);
  const forged = received.filter((r) => !r.genuine);
  const ids = new Set(genuine.map((r) => r.id));
  expect(ids.size).toBe(400);
  expect(genuine.length - ids.size).toBeGreaterThan(40); // about 80 duplicates
  expect(forged.length).toBeGreaterThan(20); // about 40 forgeries
  expect(sim.webhooks.stats().forged).toBe(forged.length);
});
