// Every environment variable the code reads, for `--help` and the README. A test greps the sources
// for the variables they read and compares them with this list, so a new one cannot go unlisted.

export interface EnvironmentVariable {
  name: string;
  description: string;
}

export const ENVIRONMENT: readonly EnvironmentVariable[] = [
  {
    name: 'INCIDENT_IO_API_KEY',
    description: 'the API key, when no --credential is given (a secret: never printed)',
  },
  {
    name: 'INCIDENT_IO_WEBHOOK_SECRET',
    description:
      "the webhook endpoint's signing secret (whsec_…) for read --webhooks, and saved by credentials add/update (a secret: never printed)",
  },
  {
    name: 'INCIDENT_IO_BASE_URL',
    description: 'the API base URL for that key (default https://api.incident.io)',
  },
  {
    name: 'INCIDENT_IO_CONNECTOR_HOME',
    description: 'folder of the credential store (default $XDG_CONFIG_HOME/incident-io-connector)',
  },
  { name: 'XDG_CONFIG_HOME', description: 'base of the default store folder (default ~/.config)' },
  {
    name: 'INCIDENT_IO_CONNECTOR_ALLOWED_HOSTS',
    description: "hosts the key may go to beyond the manifest's allowedHosts (comma-separated)",
  },
  { name: 'INCIDENT_IO_CONNECTOR_TIMEOUT_MS', description: 'deadline of one HTTP attempt (default 30000)' },
  { name: 'INCIDENT_IO_CONNECTOR_MAX_RETRIES', description: 'retries after a first attempt (default 8)' },
  { name: 'INCIDENT_IO_CONNECTOR_BACKOFF_MS', description: 'base of the exponential backoff (default 500)' },
  { name: 'INCIDENT_IO_CONNECTOR_BACKOFF_MAX_MS', description: 'longest single backoff (default 60000)' },
  { name: 'INCIDENT_IO_CONNECTOR_RATE_BURST', description: "the key's token bucket size (default 1200)" },
  { name: 'INCIDENT_IO_CONNECTOR_RATE_REFILL', description: "the bucket's refill per second (default 20)" },
  {
    name: 'INCIDENT_IO_CONNECTOR_RATE_SHARE',
    description: "share of the key's budget this process uses, 0-1 (default 1)",
  },
  {
    name: 'INCIDENT_IO_CONNECTOR_REDIS_URL',
    description: 'redis:// URL: every process on it shares one limiter per key',
  },
  {
    name: 'INCIDENT_IO_CONNECTOR_REDIS_ON_UNAVAILABLE',
    description: 'fail (default) or local: what to do when Redis cannot be reached',
  },
  {
    name: 'INCIDENT_IO_CONNECTOR_REDIS_LOCAL_SHARE',
    description: "share of the key's budget while limiting alone without Redis (default 0.25)",
  },
  {
    name: 'INCIDENT_IO_CONNECTOR_DEBUG',
    description: 'any value: print the stack trace of an unexpected error',
  },
  {
    name: 'INCIDENT_IO_SIMULATOR_VIOLATIONS_DIR',
    description:
      'simulator, for test harnesses: write each request the live API would refuse to a file in this folder',
  },
];

/** The `Environment:` section of the help. */
export function environmentHelp(): string {
  const width = Math.max(...ENVIRONMENT.map((v) => v.name.length));
  const lines = ENVIRONMENT.map((v) => `  ${v.name.padEnd(width)}  ${v.description}`);
  return `\nEnvironment:\n${lines.join('\n')}\n`;
}
