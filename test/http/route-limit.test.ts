// A route with a limit of its own (GET /v2/incidents: 60 a minute at incident.io) takes that route's
// share of the requests in flight and never idles the key's other routes; its own bucket is corrected
// by its own requests only. Against the bundled simulator with the incidents route scaled down.
import { IncidentIoClient } from '../../src/http/client';
import { LimiterRegistry } from '../../src/http/limiter';
import { startSimulator, type Simulator } from '../../simulator/src';

const INCIDENTS = 'GET /v2/incidents';
let sim: Simulator;
let limiters: LimiterRegistry;
let client: IncidentIoClient;

beforeEach(async () => {
  sim = await startSimulator({
    incidents: 20,
    size: 'small',
    bucket: { burst: 200, refillPerSecond: 200 },
    // The route's own bucket: 6 at once, then one every 20 s (exhausted for the rest of the test).
    endpointLimits: { [INCIDENTS]: { burst: 6, refillPerSecond: 0.05 } },
    latencyMs: 150,
  });
  limiters = new LimiterRegistry();
  client = new IncidentIoClient(
    { api_key: sim.apiKey, base_url: sim.url },
    { limiters, rateLimit: { burst: 200, refillPerSecond: 200 }, http: { timeoutMs: 60_000 } }
  );
});
afterEach(async () => {
  client.close();
  await limiters.close();
  await sim.close();
});

const incidents = () => client.get('/v2/incidents', { page_size: 1 });
const alerts = () => client.get('/v2/alerts', { page_size: 1 });

test('alerts requests proceed while the incidents route is exhausted', async () => {
  await incidents(); // learns the route's limit from X-RateLimit-Limit
  expect(client.limiter.hasRouteLimit(INCIDENTS)).toBe(true);
  await Promise.all(Array.from({ length: 5 }, incidents)); // spends the route's bucket
  const order: string[] = [];
  // These wait for the route's refill (20 s): they are cancelled at the end of the test.
  const stop = new AbortController();
  const waiting = Array.from({ length: 3 }, () =>
    client
      .get('/v2/incidents', { page_size: 1 }, { signal: stop.signal })
      .then(() => order.push('incidents'))
      .catch(() => undefined)
  );
  await Promise.all(Array.from({ length: 30 }, () => alerts().then(() => order.push('alerts'))));
  expect(order).toEqual(Array(30).fill('alerts'));
  // The route takes its own share: little in flight for it, the key's target for the others.
  expect(client.limiter.inFlightTarget(INCIDENTS)).toBeLessThan(client.limiter.inFlightTarget());
  expect(client.limiter.inFlightTarget()).toBeGreaterThan(10);
  stop.abort();
  await Promise.all(waiting);
  expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
});

test("a route's own bucket is corrected by that route's requests only", async () => {
  await incidents(); // learns the route's limit (5 of 6 left)
  // One request of the route, and while it is on its way, many of other routes.
  const one = incidents();
  await new Promise((r) => setTimeout(r, 40));
  await Promise.all(Array.from({ length: 30 }, alerts));
  await one;
  // The server's route bucket has 4 left; the 30 alerts took nothing from it.
  expect(await client.limiter.currentTokens(INCIDENTS)).toBeGreaterThanOrEqual(3);
  await Promise.all(Array.from({ length: 4 }, incidents));
  expect(sim.stats().byStatus['429'] ?? 0).toBe(0);
});
