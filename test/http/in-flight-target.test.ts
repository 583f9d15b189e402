// The number of requests a key keeps in flight follows its bucket and the round trip (Little's law):
// more in flight when the round trip grows, fewer when the bucket is empty, never above the cap.
// Against the bundled simulator for the measured round trip; the assertions are comparisons, not times.
import { IncidentIoClient } from '../../src/http/client';
import { inFlightBytes, inFlightTarget, DEFAULT_MAX_IN_FLIGHT } from '../../src/http/in-flight-target';
import { LimiterRegistry, resolveRateLimit } from '../../src/http/limiter';
import { startSimulator, type Simulator } from '../../simulator/src';
import plugin from '../../src/index';

describe('inFlightTarget', () => {
  const base = { refillPerSecond: 20, cap: 48 };

  test('grows with the round trip (Little’s law: refill × round trip)', () => {
    const near = inFlightTarget({ ...base, tokens: 0, roundTripMs: 25 });
    const far = inFlightTarget({ ...base, tokens: 0, roundTripMs: 250 });
    const farther = inFlightTarget({ ...base, tokens: 0, roundTripMs: 1000 });
    expect(near).toBeLessThan(far);
    expect(far).toBeLessThan(farther);
    expect(far).toBeGreaterThanOrEqual(20 * 0.25);
  });

  test('shrinks when the bucket is empty and spends a full one at the cap', () => {
    const full = inFlightTarget({ ...base, tokens: 1200, roundTripMs: 250 });
    const some = inFlightTarget({ ...base, tokens: 10, roundTripMs: 250 });
    const empty = inFlightTarget({ ...base, tokens: 0, roundTripMs: 250 });
    expect(full).toBe(48);
    expect(some).toBeLessThan(full);
    expect(empty).toBeLessThan(some);
    expect(empty).toBeGreaterThanOrEqual(1);
  });

  test('never above the cap, never below one', () => {
    expect(inFlightTarget({ ...base, tokens: 0, roundTripMs: 60_000 })).toBe(48);
    expect(inFlightTarget({ refillPerSecond: 0.01, cap: 48, tokens: 0, roundTripMs: 1 })).toBe(1);
    expect(inFlightTarget({ ...base, cap: 4, tokens: 100, roundTripMs: 250 })).toBe(4);
  });

  test('the in-flight byte bound scales with the cap', () => {
    expect(inFlightBytes(48)).toBe(3 * inFlightBytes(16));
  });

  test('and with the round trip: pages that arrive back to back are held fewer at a time', () => {
    const far = inFlightBytes(48, 250);
    expect(inFlightBytes(48)).toBe(far);
    expect(inFlightBytes(48, 1_000)).toBe(far);
    expect(inFlightBytes(48, 125)).toBe(far / 2);
    expect(inFlightBytes(48, 20)).toBe(far / 4);
    expect(inFlightBytes(48, 0)).toBe(far / 4);
  });

  test('48 by default, the credential’s max_in_flight otherwise', () => {
    expect(resolveRateLimit({}).maxConcurrent).toBe(DEFAULT_MAX_IN_FLIGHT);
    expect(resolveRateLimit({}).share).toBe(1);
    const credential = plugin.validateCredential({ api_key: 'inc_x', max_in_flight: 12 });
    expect(credential.max_in_flight).toBe(12);
    const limiters = new LimiterRegistry();
    const c = new IncidentIoClient(credential, { limiters });
    expect(c.limiter.maxInFlight).toBe(12);
    c.close();
    void limiters.close();
    expect(() => plugin.validateCredential({ api_key: 'inc_x', max_in_flight: 0 })).toThrow(/max_in_flight/);
  });
});

describe('a key’s in-flight target from its measured round trip and bucket', () => {
  let near: Simulator;
  let far: Simulator;
  const limiters: LimiterRegistry[] = [];
  const clients: IncidentIoClient[] = [];

  beforeAll(async () => {
    near = await startSimulator({ incidents: 5, size: 'small', bucket: false, latencyMs: 5 });
    far = await startSimulator({ incidents: 5, size: 'small', bucket: false, latencyMs: 300 });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(limiters.map((l) => l.close()));
    await Promise.all([near.close(), far.close()]);
  });

  /** A client on its own limiter: a bucket of `burst` refilling at `refillPerSecond`. */
  function clientOf(sim: Simulator, burst: number, refillPerSecond = 20): IncidentIoClient {
    const registry = new LimiterRegistry();
    limiters.push(registry);
    const c = new IncidentIoClient(
      { api_key: sim.apiKey, base_url: sim.url },
      { limiters: registry, rateLimit: { burst, refillPerSecond } }
    );
    clients.push(c);
    return c;
  }

  /** Sends n requests one after the other, then reads the target once the token count is fresh. */
  async function targetAfter(c: IncidentIoClient, n: number): Promise<number> {
    for (let i = 0; i < n; i++) await c.get('/v1/severities');
    await new Promise((r) => setTimeout(r, 60)); // the token count is read at most every 50 ms
    c.limiter.inFlightTarget();
    await new Promise((r) => setTimeout(r, 10));
    return c.limiter.inFlightTarget();
  }

  test('more requests in flight when the round trip is longer', async () => {
    // Bucket of 1: empty after each request, so only the round trip tells the two apart.
    const nearTarget = await targetAfter(clientOf(near, 1), 4);
    const farTarget = await targetAfter(clientOf(far, 1), 4);
    expect(nearTarget).toBeLessThan(farTarget);
    // 20/s × 0.3 s = 6 in flight at least to keep up with the refill.
    expect(farTarget).toBeGreaterThanOrEqual(6);
  });

  test('fewer in flight once the bucket is spent', async () => {
    // A slow refill: the bucket stays spent however long the machine takes.
    const c = clientOf(near, 40, 1);
    const fresh = await targetAfter(c, 1);
    await Promise.all(Array.from({ length: 39 }, () => c.get('/v1/severities')));
    const spent = await targetAfter(c, 0);
    // 39 tokens left: they can all go out at once.
    expect(fresh).toBeGreaterThanOrEqual(39);
    expect(spent).toBeLessThan(8);
  });
});
