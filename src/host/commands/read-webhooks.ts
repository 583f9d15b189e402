// `read --webhooks`: serves incident.io's webhook endpoint until SIGINT/SIGTERM, printing records and
// states as JSON lines on stdout like `read`, the state saved after the records before it are out.
// A restart from the saved state emits every change after it once (src/source/webhooks says how).
import fs from 'node:fs';
import type { SourceMessage, StreamState } from '../../contract';
import { ConfigError, ConnectorError } from '../../errors';
import { writeFileAtomic } from '../atomic-file';
import { EXIT } from '../exit-codes';
import { JsonLinesWriter, OutputClosedError } from '../output';
import { readConfigFile, readJsonFile, Session } from '../session';

export interface WebhookReadOptions {
  stream?: string[];
  all?: boolean;
  stateFile?: string;
  config?: string;
  webhookPort?: number;
  webhookDir?: string;
}

function loadStates(file: string | undefined): Record<string, StreamState> {
  if (!file || !fs.existsSync(file)) return {};
  const parsed = readJsonFile(file, 'the state file') as { streams?: unknown } | null;
  const streams = parsed?.streams;
  if (!streams || typeof streams !== 'object' || Array.isArray(streams)) {
    throw new ConfigError('the state file', [
      { field: file, reason: 'is not a state file written by `read` (no "streams" object in it)' },
    ]);
  }
  return streams as Record<string, StreamState>;
}

export async function runWebhookRead(session: Session, opts: WebhookReadOptions): Promise<number> {
  if (session.format !== 'native') {
    throw new ConfigError('the read command', [
      { field: '--webhooks', reason: `prints native messages only, not --format ${session.format}` },
    ]);
  }
  const given = (opts.config ? readConfigFile(opts.config, 'the source config') : {}) as Record<
    string,
    unknown
  >;
  const webhooks = { ...((given.webhooks as Record<string, unknown> | undefined) ?? {}) };
  if (opts.webhookPort !== undefined) webhooks.port = opts.webhookPort;
  if (opts.webhookDir !== undefined) webhooks.log_dir = opts.webhookDir;
  const config = { ...given, webhooks };
  const credential = session.credential();
  const create = session.plugin.createWebhookSource;
  if (!create) throw new ConnectorError('config', 'this plugin has no webhook source');
  const source = create(credential, config, session.context());
  const states = loadStates(opts.stateFile);
  const out = new JsonLinesWriter(process.stdout, session.redactor);
  session.trapSignals();
  const streams = opts.all || !opts.stream?.length ? [] : opts.stream;
  let records = 0;
  try {
    for await (const msg of source.read({
      streams,
      state: states,
      signal: session.abort.signal,
      onListening: (port) => process.stderr.write(`webhooks: listening on port ${port}\n`),
    }) as AsyncIterable<SourceMessage>) {
      if (msg.type === 'log') {
        process.stderr.write(session.redactor.redact(`${msg.message}\n`));
        continue;
      }
      await out.write(msg);
      if (msg.type === 'record') records++;
      if (msg.type === 'state') {
        // The records before a state are out before it is saved: a crash re-emits, never skips.
        await out.flush();
        states[msg.stream] = msg.state;
        if (opts.stateFile) {
          try {
            writeFileAtomic(opts.stateFile, `${JSON.stringify({ streams: states })}\n`);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
            throw new ConnectorError('system', `cannot save the state file ${opts.stateFile} (${code})`);
          }
        }
      }
    }
  } catch (e) {
    await out.settle();
    if (e instanceof OutputClosedError) return EXIT.OUTPUT_CLOSED;
    throw e;
  } finally {
    source.close();
  }
  await out.flush();
  process.stderr.write(`webhooks: stopped after ${records} records\n`);
  return EXIT.OK;
}
