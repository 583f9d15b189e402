// The reference runtime's plugin loader: reads a package's connector.manifest.json, checks it against
// the manifest schema, imports its entry module, checks the export is a connector plugin, and holds it
// to the manifest's allowedHosts (allowed-hosts.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { ConnectorManifest, ConnectorPlugin } from '../contract';
import { ConfigError } from '../errors';
import { toProblems, validatorFor } from '../validation';
import { extraHosts, withAllowedHosts } from './allowed-hosts';

export interface LoadedPlugin {
  dir: string;
  manifest: ConnectorManifest;
  plugin: ConnectorPlugin;
}

const REQUIRED_FUNCTIONS = [
  'validateCredential',
  'authenticate',
  'createSource',
  'createDestination',
] as const;

export interface LoadOptions {
  /**
   * Hosts the user trusts beyond the manifest's allowedHosts (also INCIDENT_IO_CONNECTOR_ALLOWED_HOSTS,
   * comma-separated); "*.example.com" allows its subdomains.
   */
  allowHosts?: string[];
}

export function loadPlugin(packageDir: string, opts: LoadOptions = {}): LoadedPlugin {
  const dir = path.resolve(packageDir);
  const manifestFile = path.join(dir, 'connector.manifest.json');
  let manifest: ConnectorManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ConnectorManifest;
  } catch (e) {
    throw new ConfigError('the plugin package', [
      { field: manifestFile, reason: `cannot be read as JSON: ${(e as Error).message}` },
    ]);
  }
  const validate = validatorFor('schemas/manifest.schema.json');
  if (!validate(manifest)) throw new ConfigError(`the manifest ${manifestFile}`, toProblems(validate.errors));
  const entry = path.resolve(dir, manifest.entry);
  if (!entry.startsWith(dir + path.sep)) {
    throw new ConfigError(`the manifest ${manifestFile}`, [
      { field: '/entry', reason: 'must stay inside the package' },
    ]);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(entry) as { default?: ConnectorPlugin } & Partial<ConnectorPlugin>;
  const plugin = (mod.default ?? mod) as ConnectorPlugin;
  const missing = REQUIRED_FUNCTIONS.filter((f) => typeof plugin[f] !== 'function');
  if (missing.length > 0) {
    throw new ConfigError(
      `the plugin entry ${entry}`,
      missing.map((f) => ({ field: f, reason: 'is not exported as a function' }))
    );
  }
  if (plugin.manifest?.id !== manifest.id) {
    throw new ConfigError(`the plugin entry ${entry}`, [
      { field: 'manifest.id', reason: `does not match the manifest's id ${manifest.id}` },
    ]);
  }
  return {
    dir,
    manifest,
    plugin: withAllowedHosts(plugin, manifest.allowedHosts, extraHosts(opts.allowHosts)),
  };
}
