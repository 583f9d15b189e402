#!/usr/bin/env node
// The reference runtime's command line. Exit codes: 0 success, 1 the run failed, 2 usage or config
// error, 130 interrupted (state and results flushed). Data goes to stdout, people's text to stderr.
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, ConnectorError } from '../errors';
import { PACKAGE_ROOT } from '../validation';
// Commands load on use: `read` should not pay for the simulator's 4 MB spec at start-up.
const credentials = () => import('./commands/credentials');
const consoleCommand = () => import('./commands/console');
const demo = () => import('./commands/demo');
const read = () => import('./commands/read');
const readWebhooks = () => import('./commands/read-webhooks');
const simulator = () => import('./commands/simulator');
const smoke = () => import('./commands/smoke');
const specDiscover = () => import('./commands/spec-discover');
const write = () => import('./commands/write');
import { environmentHelp } from './env-vars';
import { EXIT } from './exit-codes';
import { airbyteErrorOf } from './formats/airbyte';
import { FORMATS } from './formats/format';
import { Redactor } from './redact';
import { GlobalOptions, Session } from './session';

const VERSION = (
  JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

/** A fraction in [0, 1]. */
function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!(value.trim() !== '' && n >= 0 && n <= 1))
      throw new InvalidArgumentError(`${name} must be between 0 and 1`);
    return n;
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function buildProgram(
  run: (fn: (session: Session) => Promise<number> | number) => Promise<void>
): Command {
  const program = new Command('incident-io-connector')
    .description('incident.io connector: credentials, source, destination and a local simulator')
    .version(VERSION, '-V, --version', 'print the version')
    .option(
      '--credential <name>',
      'saved credential to use (default: INCIDENT_IO_API_KEY with INCIDENT_IO_BASE_URL, else the default credential)'
    )
    .option(
      '--allow-host <host>',
      "send the key to this host too, beyond the manifest's allowedHosts (repeatable; or INCIDENT_IO_CONNECTOR_ALLOWED_HOSTS)",
      collect
    )
    .addOption(
      new Option(
        '--format <format>',
        'stdout messages: native JSON lines, Airbyte protocol or Singer (see each command)'
      )
        .choices(FORMATS)
        .default('native')
    )
    .option(
      '-v, --verbose',
      'debug logging on stderr: each request (route, status, ms, request_id) and rate-limit wait'
    )
    .option('-q, --quiet', 'only errors on stderr')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', environmentHelp())
    .showHelpAfterError()
    .exitOverride();

  program
    .command('spec')
    .description(
      'print the manifest and the credential, source and destination config schemas (one JSON line); --format airbyte: a SPEC message'
    )
    .option('--destination', "--format airbyte: the destination's spec (default: the source's)")
    .action((o: { destination?: boolean }) => run(async (s) => (await specDiscover()).runSpec(s, o)));

  program
    .command('check')
    .description(
      'probe the credential (GET /v1/identity); exit 0 only when it works. --format airbyte: a CONNECTION_STATUS message'
    )
    .option('--action <action>', 'warn when the key cannot run this destination action')
    .option('--stream <name>', 'warn when the key cannot read this stream (repeatable)', collect)
    .option(
      '--config <file>',
      '--format airbyte: the config (credential fields beside the source or destination config)'
    )
    .action((o: { action?: string; stream?: string[]; config?: string }) =>
      run(async (s) => (await credentials()).check(s, o))
    );

  program
    .command('discover')
    .description(
      'list the streams with their schemas, keys, cursors and whether this key can read them; --format airbyte: a CATALOG message; --format singer: a Singer catalog'
    )
    .option(
      '--config <file>',
      'source config JSON file (--format airbyte or singer: with the credential fields beside it)'
    )
    .action((o: { config?: string }) => run(async (s) => (await specDiscover()).runDiscover(s, o)));

  program
    .command('read')
    .description(
      'read streams as JSON lines (records and states) on stdout; --format airbyte or singer: their messages'
    )
    .option('--stream <name>', 'stream to read (repeatable)', collect)
    .option('--all', 'read every stream')
    .option(
      '--catalog <file>',
      'the streams to read: a ConfiguredAirbyteCatalog (--format airbyte) or a Singer catalog with selected streams (--format singer)'
    )
    .option('--output-dir <dir>', 'one JSONL file of records per stream, and state.json, in this folder')
    .option('--limit <n>', 'stop each stream after n records', int('--limit'))
    .option('--state-file <file>', 'resume from and save state to this file')
    .option(
      '--state <file>',
      "resume from this state (read only), in the --format's shape: Airbyte STATE messages, a Singer state, or a state file"
    )
    .option(
      '--config <file>',
      'source config JSON file (--format airbyte or singer: with the credential fields beside it)'
    )
    .addOption(new Option('--sync-mode <mode>', 'sync mode').choices(['full_refresh', 'incremental']))
    .option(
      '--webhooks',
      "serve incident.io's webhook endpoint until stopped, emitting changes as they are pushed (needs the credential's webhook_secret)"
    )
    .option(
      '--webhook-port <n>',
      '--webhooks: port to listen on (default: the config, else 8787)',
      int('--webhook-port')
    )
    .option('--webhook-dir <dir>', "--webhooks: folder of the source's durable event and record logs")
    .action((o) =>
      run(async (s) =>
        o.webhooks ? (await readWebhooks()).runWebhookRead(s, o) : (await read()).runRead(s, o)
      )
    );

  program
    .command('write')
    .description(
      'write JSON lines records with an action; one result line per record on stdout. --format airbyte: an Airbyte destination (RECORD and STATE messages in, STATE out once written)'
    )
    .option(
      '--action <action>',
      'destination action, e.g. create_incident (--format airbyte: or "action" in the --config)'
    )
    .option('--input <file>', 'JSON lines input file, or - for stdin', '-')
    .option(
      '--config <file>',
      'destination config JSON file (--format airbyte: with the credential fields beside it)'
    )
    .option(
      '--catalog <file>',
      '--format airbyte: the ConfiguredAirbyteCatalog (records of other streams are rejected)'
    )
    .option(
      '--dead-letter <file>',
      'write every rejected or failed record, with its reason, to this JSON lines file (fix it and feed it back as --input)'
    )
    .option('--dry-run', 'validate and resolve names, send no write, report what would be sent')
    .action((o) => run(async (s) => (await write()).runWrite(s, o)));

  const creds = program.command('credentials').description('manage saved credentials');
  creds
    .command('add')
    .description('probe and save a key (from INCIDENT_IO_API_KEY or a hidden prompt)')
    .requiredOption('--name <name>', 'name of the credential')
    .option('--description <text>', 'what this credential is for')
    .option('--base-url <url>', 'API base URL (default https://api.incident.io)')
    .action((o) => run(async (s) => (await credentials()).credentialsAdd(s, o)));
  creds
    .command('list')
    .description('list saved credentials, never the key: a table on a terminal, JSON lines otherwise')
    .action(() => run(async (s) => (await credentials()).credentialsList(s)));
  creds
    .command('update <name>')
    .description(
      'give a saved credential a new key (from INCIDENT_IO_API_KEY or a hidden prompt), probed before it replaces the old one'
    )
    .option('--description <text>', 'a new description')
    .option('--base-url <url>', 'a new API base URL (default: the saved one)')
    .action((name: string, o: { description?: string; baseUrl?: string }) =>
      run(async (s) => (await credentials()).credentialsUpdate(s, name, o))
    );
  creds
    .command('default <name>')
    .description('use this credential when a command names none and INCIDENT_IO_API_KEY is not set')
    .action((name: string) => run(async () => (await credentials()).credentialsDefault(name)));
  creds
    .command('test <name>')
    .description('probe a saved credential')
    .action((name: string) => run(async (s) => (await credentials()).credentialsTest(s, name)));
  creds
    .command('remove <name>')
    .description('delete a saved credential')
    .action((name: string) => run(async () => (await credentials()).credentialsRemove(name)));

  program
    .command('simulator')
    .description('serve a local incident.io simulator; prints {"url","api_key"} as its first line')
    .option('--port <n>', 'port (default: a free one)', int('--port'))
    .option('--seed <n>', 'data seed', int('--seed'))
    .option('--incidents <n>', 'seeded incidents', int('--incidents'))
    .option('--burst <n>', 'token bucket size per key', int('--burst'))
    .option('--refill <n>', 'token bucket refill per second', int('--refill'))
    .option('--latency <ms>', 'added latency per request', int('--latency'))
    .option(
      '--jitter <fraction>',
      'spread of --latency: 0.2 = each request latency ± 20%',
      fraction('--jitter')
    )
    .option('--unlimited', 'no rate limit')
    .option('--alerts <n>', 'seeded alerts', int('--alerts'))
    .option('--escalations <n>', 'seeded escalations', int('--escalations'))
    .addOption(
      new Option('--retry-after <form>', 'Retry-After form on 429').choices(['seconds', 'http-date'])
    )
    .action((o) => run(async () => (await simulator()).runSimulator(o)));

  program
    .command('console')
    .description('serve the web console on 127.0.0.1; prints the URL to open (with a one-time token)')
    .option('--port <n>', 'port (default: a free one)', int('--port'))
    .action((o: { port?: number }) => run(async (s) => (await consoleCommand()).runConsole(s, o)));

  program
    .command('smoke')
    .description(
      'read-only check of a real key: probe, discover, read the first page of every readable stream, validate every record against its schema'
    )
    .action(() => run(async (s) => (await smoke()).runSmoke(s)));

  program
    .command('demo')
    .description('run credential → source → destination end to end against the simulator')
    .option('--incidents <n>', 'seeded incidents', int('--incidents'))
    .action((o: { incidents?: number }) => run(async (s) => (await demo()).runDemo(s, o)));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.OK;
  const fallbackRedactor = new Redactor();
  fallbackRedactor.add(process.env.INCIDENT_IO_API_KEY);
  fallbackRedactor.add(process.env.INCIDENT_IO_WEBHOOK_SECRET);
  const program = buildProgram(async (fn) => {
    const opts = program.opts<GlobalOptions>();
    let session: Session | undefined;
    try {
      session = new Session(opts);
      code = await fn(session);
    } catch (e) {
      code = reportError(e, session?.redactor ?? fallbackRedactor, opts.format);
    } finally {
      await session?.close();
    }
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; anything else commander rejects is a usage error.
      return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    return reportError(e, fallbackRedactor);
  }
  return code;
}

function reportError(e: unknown, redactor: Redactor, format?: string): number {
  // Airbyte reads a run's failure from a TRACE error on stdout (stderr still says it to the person).
  if (format === 'airbyte') {
    const message = e instanceof Error ? e.message : String(e);
    process.stdout.write(redactor.redact(`${JSON.stringify(airbyteErrorOf(e, message))}\n`));
  }
  if (e instanceof ConnectorError) {
    if (e instanceof ConfigError) {
      // One line per bad field (the message holds them all on one line).
      process.stderr.write(redactor.redact(`error (config): ${e.subject} is invalid:\n`));
      for (const p of e.problems) process.stderr.write(redactor.redact(`  ${p.field}: ${p.reason}\n`));
    } else {
      process.stderr.write(redactor.redact(`error (${e.failureType}): ${e.message}\n`));
    }
    return e.failureType === 'config' ? EXIT.USAGE : EXIT.FAILED;
  }
  // An unexpected bug: say so plainly, without a stack trace unless asked for.
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(redactor.redact(`internal error: ${message}\n`));
  if (process.env.INCIDENT_IO_CONNECTOR_DEBUG && e instanceof Error && e.stack) {
    process.stderr.write(redactor.redact(`${e.stack}\n`));
  }
  return EXIT.FAILED;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.FAILED;
    }
  );
}
