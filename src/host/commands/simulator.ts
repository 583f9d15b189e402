// `simulator`: a local incident.io for trying the connector offline. The first stdout line is one JSON
// object with the URL and a key, so scripts can start it and read where it listens.
import { parseTimeUs, startSimulator } from 'incident-io-connector/simulator';
import { STREAMS } from '../../source/streams';

export interface SimulatorCommandOptions {
  port?: number;
  seed?: number;
  incidents?: number;
  burst?: number;
  refill?: number;
  latency?: number;
  /** Spread of the latency, as a fraction of it: 0.2 draws each request's from latency ± 20%. */
  jitter?: number;
  retryAfter?: 'seconds' | 'http-date';
  unlimited?: boolean;
  alerts?: number;
  escalations?: number;
}

export async function runSimulator(opts: SimulatorCommandOptions): Promise<number> {
  // Handlers first: whoever reads the URL may stop us at once, and a SIGTERM that finds no handler
  // kills the process (no exit code) instead of closing the server.
  const stopped = untilStopSignal();
  const sim = await startSimulator({
    port: opts.port ?? 0,
    seed: opts.seed,
    incidents: opts.incidents,
    counts: {
      ...(opts.alerts !== undefined ? { alerts: opts.alerts } : {}),
      ...(opts.escalations !== undefined ? { escalations: opts.escalations } : {}),
    },
    bucket: opts.unlimited
      ? false
      : opts.burst || opts.refill
        ? { burst: opts.burst ?? 1200, refillPerSecond: opts.refill ?? 20 }
        : undefined,
    latencyMs: opts.latency,
    jitter: opts.jitter,
    retryAfterFormat: opts.retryAfter,
  });
  // Seed every resource now, before announcing the URL: the first client is then not the one that
  // waits (seconds, at benchmark sizes) while alerts and escalations are generated.
  const db = sim.resources();
  // Likewise the created_at index that time-partitioned reads search (built on the first such query);
  // incidents are generated, not a collection, and need none.
  for (const stream of STREAMS)
    if (stream.timePartition) db.get(stream.name)?.within(stream.timePartition.filter, 0, 0, parseTimeUs);
  process.stdout.write(`${JSON.stringify({ url: sim.url, api_key: sim.apiKey })}\n`);
  process.stderr.write(`incident.io simulator listening on ${sim.url} (Ctrl-C to stop)\n`);
  await stopped;
  await sim.close();
  return 0;
}

/** Resolves on the first SIGINT or SIGTERM; a second one then ends the process the default way. */
function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
