// The plugin a runtime loads through connector.manifest.json: manifest, credential validation, the
// authenticate() probe, and factories for the source and destination adapters.
import fs from 'node:fs';
import path from 'node:path';
import type {
  ConnectorContext,
  ConnectorManifest,
  ConnectorPlugin,
  Credential,
  ProbeOptions,
} from './contract';
import { validateCredential } from './credential';
import { IncidentIoDestination } from './destination/adapter';
import { authenticate } from './probe';
import { IncidentIoSource } from './source/adapter';
import { WebhookSource } from './source/webhooks/webhook-source';
import { PACKAGE_ROOT } from './validation';

export * from './contract';
export * from './errors';
export { LimiterRegistry, KeyLimiter } from './http/limiter';
export { IncidentIoSource } from './source/adapter';
export { IncidentIoDestination } from './destination/adapter';
export { WebhookSource } from './source/webhooks/webhook-source';
export { STREAMS } from './source/streams';
export { ACTIONS } from './destination/actions';

export const manifest: ConnectorManifest = JSON.parse(
  fs.readFileSync(path.join(PACKAGE_ROOT, 'connector.manifest.json'), 'utf8')
) as ConnectorManifest;

const plugin: ConnectorPlugin = {
  manifest,
  validateCredential,
  authenticate: (credential: Credential, ctx?: ConnectorContext, opts?: ProbeOptions) =>
    authenticate(credential, ctx, opts),
  createSource: (credential, config, ctx) =>
    new IncidentIoSource(validateCredential(credential), config, ctx),
  createDestination: (credential, config, ctx) =>
    new IncidentIoDestination(validateCredential(credential), config, ctx),
  createWebhookSource: (credential, config, ctx) =>
    new WebhookSource(validateCredential(credential), config, ctx),
};

export default plugin;
