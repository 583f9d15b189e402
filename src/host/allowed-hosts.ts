// The manifest's `allowedHosts` is the plugin's promise of where it sends a key; the reference runtime
// holds it to that. A base URL on any other host (an INCIDENT_IO_BASE_URL pointing elsewhere, a store
// entry, a runtime config) is refused before the key could be sent there, unless the user names the
// host themselves. Loopback addresses (a local simulator) are always allowed.
import type { ConnectorPlugin, Credential, ProbeResult } from '../contract';
import { isLoopbackHost } from '../credential';
import { ConfigError } from '../errors';

/** The environment variable that adds hosts (comma-separated), as --allow-host does. */
export const ALLOWED_HOSTS_ENV = 'INCIDENT_IO_CONNECTOR_ALLOWED_HOSTS';

/** Whether `host` matches a pattern: a host name, or "*.example.com" for its subdomains. */
function matches(host: string, pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1));
  return host === p;
}

/** The hosts a user added: the option's values, then the environment's. */
export function extraHosts(fromOption: string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env[ALLOWED_HOSTS_ENV] ?? '').split(',');
  return [...fromOption, ...fromEnv].map((h) => h.trim()).filter((h) => h !== '');
}

/** Throws a ConfigError naming the option and the variable when base_url's host is not allowed. */
export function checkAllowedHost(baseUrl: string, allowed: string[], extra: string[]): void {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return; // not a URL: the credential's own validation says so
  }
  if (isLoopbackHost(host) || [...allowed, ...extra].some((p) => matches(host, p))) return;
  throw new ConfigError('the credential', [
    {
      field: '/base_url',
      reason:
        `is on ${host}, which is neither in the plugin manifest's allowedHosts (${allowed.join(', ')}) nor a loopback ` +
        `address, so the key is not sent there. If you trust it, add it: --allow-host ${host}, or ` +
        `${ALLOWED_HOSTS_ENV}=${host} (loadPlugin: { allowHosts: ["${host}"] })`,
    },
  ]);
}

/** The plugin, with every entry point that takes a credential held to the allowed hosts. */
export function withAllowedHosts(
  plugin: ConnectorPlugin,
  allowed: string[],
  extra: string[]
): ConnectorPlugin {
  const check = (c: Credential) => checkAllowedHost(String(c?.base_url ?? ''), allowed, extra);
  // The plugin fills the default base URL; check what it will use, not what it was given.
  const validated = (c: Credential) => {
    const v = plugin.validateCredential(c);
    check(v);
    return v;
  };
  return {
    ...plugin,
    manifest: plugin.manifest,
    validateCredential: validated,
    authenticate: async (credential, ctx, opts): Promise<ProbeResult> => {
      try {
        check(plugin.validateCredential(credential));
      } catch (e) {
        // A probe never throws for a credential it cannot use: it says why.
        if (e instanceof ConfigError && e.problems.some((p) => p.field === '/base_url')) {
          return { ok: false, failure: 'config', message: e.message, retryable: false, problems: e.problems };
        }
      }
      return plugin.authenticate(credential, ctx, opts);
    },
    createSource: (credential, config, ctx) => plugin.createSource(validated(credential), config, ctx),
    createDestination: (credential, config, ctx) =>
      plugin.createDestination(validated(credential), config, ctx),
  };
}
