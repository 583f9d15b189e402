// What the CLI tests under test/host share: a simulator for the file, a fresh credential store and
// temp folder per test, and the environment of a run (fast retries, the test's store, the key).
import { FAST_HTTP_ENV, makeTempDir, removeTempDir } from '../../helpers/cli';
import { startSimulator, type Simulator, type SimulatorOptions } from './sim';

export interface CliSim {
  readonly sim: Simulator;
  /** This test's INCIDENT_IO_CONNECTOR_HOME. */
  readonly home: string;
  /** This test's scratch folder. */
  readonly tmp: string;
  /** The simulator's key in the environment, overlaid by `extra` (undefined removes a variable). */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  /** No key in the environment: a saved credential or a config file gives it. */
  keyless(): Record<string, string | undefined>;
}

export function useCliSimulator(options: SimulatorOptions): CliSim {
  let sim: Simulator;
  let home = '';
  let tmp = '';
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, ...options });
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(() => {
    home = makeTempDir('incident-io-host-home-');
    tmp = makeTempDir('incident-io-host-tmp-');
    sim.resetStats();
  });
  afterEach(() => {
    removeTempDir(home);
    removeTempDir(tmp);
  });
  const h: CliSim = {
    get sim() {
      return sim;
    },
    get home() {
      return home;
    },
    get tmp() {
      return tmp;
    },
    env: (extra = {}) => ({
      ...FAST_HTTP_ENV,
      INCIDENT_IO_CONNECTOR_HOME: home,
      INCIDENT_IO_API_KEY: sim.apiKey,
      INCIDENT_IO_BASE_URL: sim.url,
      INCIDENT_IO_CONNECTOR_DEBUG: undefined,
      ...extra,
    }),
    keyless: () => h.env({ INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: undefined }),
  };
  return h;
}
