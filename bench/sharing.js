// Figure 5: in one process, a source and a destination on key A and a source on key B, all at once,
// through one LimiterRegistry (what a runtime worker does). Each key's throughput is its requests
// over the time its work took.
'use strict';

const path = require('node:path');
const { ROOT } = require('./lib');

async function runSharing({ url, keys, bucket, seconds = 20 }) {
  const { default: plugin, LimiterRegistry } = require(path.join(ROOT, 'dist'));
  const limiters = new LimiterRegistry();
  const ctx = {
    limiters,
    rateLimit: { burst: bucket.burst, refillPerSecond: bucket.refill, share: 1 },
  };
  const cred = (k) => plugin.validateCredential({ api_key: k, base_url: url });
  const deadline = Date.now() + seconds * 1000;
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), seconds * 1000);

  // Sources re-read alerts in small pages until the deadline, so every key has more demand than budget
  // (not incidents: GET /v2/incidents has its own 60/min route limit, which would bind the reads).
  async function readLoop(key) {
    const source = plugin.createSource(cred(key), { page_sizes: { alerts: 25 }, max_partitions: 16 }, ctx);
    while (Date.now() < deadline) {
      try {
        for await (const _ of source.read({
          streams: [{ name: 'alerts', syncMode: 'full_refresh' }],
          signal: ac.signal,
        })) {
          if (Date.now() >= deadline) break;
        }
      } catch (e) {
        if (!ac.signal.aborted) throw e;
      }
    }
  }
  async function writeLoop(key) {
    const destination = plugin.createDestination(
      cred(key),
      { action: 'create_incident', concurrency: 16 },
      ctx
    );
    let i = 0;
    async function* records() {
      while (Date.now() < deadline)
        yield { name: `Sharing ${i++}`, mode: 'test', severity: 'Minor', idempotency_key: `sharing-${i}` };
    }
    try {
      for await (const _ of destination.write(records(), { signal: ac.signal })) {
        /* results are counted by the limiter */
      }
    } catch (e) {
      if (!ac.signal.aborted) throw e;
    }
  }

  const started = Date.now();
  await Promise.all([readLoop(keys[0]), writeLoop(keys[0]), readLoop(keys[1])]);
  clearTimeout(timer);
  const elapsed = (Date.now() - started) / 1000;
  const result = {
    keys: keys.map((k) => ({ requests: limiters.forKey(k).counters.requests, seconds: elapsed })),
  };
  await limiters.close();
  return result;
}

module.exports = { runSharing };
