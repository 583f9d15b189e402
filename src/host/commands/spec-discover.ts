// `spec` and `discover`, in each output format: natively the manifest and config schemas (one JSON
// line) and one line per stream; Airbyte's SPEC and CATALOG messages; a Singer catalog.
import { loadSchema } from '../../validation';
import { EXIT } from '../exit-codes';
import { airbyteCatalog, airbyteSpec } from '../formats/airbyte';
import { requireFormat, splitConfig } from '../formats/format';
import { singerCatalog } from '../formats/singer';
import { readConfigFile, Session } from '../session';

const line = (session: Session, value: unknown) =>
  process.stdout.write(session.redactor.redact(`${JSON.stringify(value)}\n`));

export function runSpec(session: Session, opts: { destination?: boolean }): number {
  requireFormat(session.format, 'spec', ['native', 'airbyte']);
  const m = session.plugin.manifest;
  const credential = loadSchema(m.credentialTypes[0].schema);
  if (session.format === 'airbyte') {
    const role = opts.destination ? 'destination' : 'source';
    const config = loadSchema(opts.destination ? m.destination.configSchema : m.source.configSchema);
    line(session, airbyteSpec(m, { credential, config }, role));
    return EXIT.OK;
  }
  line(session, {
    manifest: m,
    credential,
    source: loadSchema(m.source.configSchema),
    destination: loadSchema(m.destination.configSchema),
  });
  return EXIT.OK;
}

export async function runDiscover(session: Session, opts: { config?: string }): Promise<number> {
  const given = opts.config ? readConfigFile(opts.config, 'the source config') : {};
  const { credential, config } =
    session.format === 'native'
      ? { credential: {}, config: given }
      : splitConfig(given, loadSchema(session.plugin.manifest.credentialTypes[0].schema));
  const source = session.plugin.createSource(session.credentialFrom(credential), config, session.context());
  const streams = await source.discover();
  for (const d of streams) {
    if (d.unavailable && session.format !== 'native') {
      session.logger.warn(`${d.name} is left out of the catalog: ${d.unavailable.reason}`);
    }
  }
  if (session.format === 'airbyte') line(session, airbyteCatalog(streams));
  else if (session.format === 'singer') line(session, singerCatalog(streams));
  else for (const d of streams) line(session, { type: 'stream', ...d });
  return EXIT.OK;
}
