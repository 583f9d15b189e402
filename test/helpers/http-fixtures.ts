// The per-test fixtures of the HTTP-layer tests: loopback servers, clients and one limiter registry,
// all closed after each test, so a test only says what it starts.
import { ConnectorError } from '../../src/errors';
import { IncidentIoClient } from '../../src/http/client';
import { LimiterRegistry } from '../../src/http/limiter';
import { startServer, type LocalServer } from './local-server';

export interface HttpFixtures {
  /** A fresh registry for each test. */
  registry: LimiterRegistry;
  /** Clients to close after the test. */
  clients: IncidentIoClient[];
  /** A loopback server, closed after the test. */
  server(): Promise<LocalServer>;
}

/** Registers beforeEach/afterEach hooks in the calling test file and returns the fixtures. */
export function useHttpFixtures(): HttpFixtures {
  let servers: LocalServer[] = [];
  const fx: HttpFixtures = {
    registry: new LimiterRegistry(),
    clients: [],
    async server() {
      const s = await startServer();
      servers.push(s);
      return s;
    },
  };
  beforeEach(() => {
    fx.registry = new LimiterRegistry();
  });
  afterEach(async () => {
    for (const c of fx.clients) c.close();
    fx.clients = [];
    await fx.registry.close();
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return fx;
}

/** The ConnectorError that `p` rejects with (failing the test if it resolves or throws anything else). */
export async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    return e as ConnectorError;
  }
  throw new Error('expected the request to fail');
}
