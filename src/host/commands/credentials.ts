// `credentials add|list|update|default|test|remove`, and `check`. The key comes from
// INCIDENT_IO_API_KEY or a hidden prompt, never from an argument (arguments end up in shell history and
// `ps`). It is probed before it is saved, and a new key before it replaces the old one.
import readline from 'node:readline';
import { Writable } from 'node:stream';
import Table from 'cli-table3';
import type { Credential, ProbeResult } from '../../contract';
import { ConfigError, ConnectorError } from '../../errors';
import { loadSchema } from '../../validation';
import { CredentialStore, type StoredCredentialInfo } from '../credential-store';
import { EXIT } from '../exit-codes';
import { airbyteConnectionStatus } from '../formats/airbyte';
import { requireFormat, splitConfig } from '../formats/format';
import { checkNames } from '../names';
import { readConfigFile, Session } from '../session';

export async function readKey(): Promise<string> {
  const fromEnv = process.env.INCIDENT_IO_API_KEY;
  if (fromEnv) return fromEnv;
  const interactive = Boolean(process.stdin.isTTY);
  // A muted output stream: the prompt is shown, the typed key is not echoed.
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: interactive });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      if (interactive) process.stderr.write('incident.io API key (input hidden): ');
      muted = true;
      rl.once('line', resolve);
      rl.once('close', () =>
        reject(
          new ConfigError('the credential', [
            { field: '/api_key', reason: 'is required (set INCIDENT_IO_API_KEY or type it at the prompt)' },
          ])
        )
      );
    });
    if (interactive) process.stderr.write('\n');
    return answer.trim();
  } finally {
    rl.close();
  }
}

function printProbe(session: Session, result: ProbeResult): void {
  process.stdout.write(session.redactor.redact(`${JSON.stringify(result)}\n`));
  if (result.ok) {
    process.stderr.write(
      session.redactor.redact(
        `key "${result.identity.name}" is valid; roles: ${result.identity.roles.join(', ') || '(none)'}\n`
      )
    );
    for (const w of result.warnings) process.stderr.write(session.redactor.redact(`warning: ${w}\n`));
  } else {
    process.stderr.write(session.redactor.redact(`${result.failure}: ${result.message}\n`));
  }
}

/** The key typed or in INCIDENT_IO_API_KEY, validated (with its base URL) and probed. */
async function probedKey(
  session: Session,
  baseUrl: string | undefined
): Promise<{ credential: Credential; probe: ProbeResult }> {
  const key = await readKey();
  session.redactor.add(key);
  const input: Record<string, unknown> = { api_key: key };
  if (baseUrl) input.base_url = baseUrl;
  // The webhook source's signing secret is saved with the key (encrypted) when it is given.
  const webhookSecret = process.env.INCIDENT_IO_WEBHOOK_SECRET;
  if (webhookSecret) {
    session.redactor.add(webhookSecret);
    input.webhook_secret = webhookSecret;
  }
  const credential = session.plugin.validateCredential(input);
  return { credential, probe: await session.plugin.authenticate(credential, session.context()) };
}

/** What the store keeps of a probe: the identity, for lists and the console. */
function identityOf(probe: Extract<ProbeResult, { ok: true }>): StoredCredentialInfo['identity'] {
  const { name, roles, teamRoles, dashboardUrl } = probe.identity;
  return { name, roles, teamRoles, dashboardUrl };
}

function notSaved(session: Session, probe: Extract<ProbeResult, { ok: false }>, what: string): number {
  printProbe(session, probe);
  process.stderr.write(`${what}\n`);
  return probe.failure === 'config' ? EXIT.USAGE : EXIT.FAILED;
}

export async function credentialsAdd(
  session: Session,
  opts: { name: string; description?: string; baseUrl?: string }
): Promise<number> {
  const store = new CredentialStore();
  if (store.has(opts.name)) {
    throw new ConfigError('the credential', [
      {
        field: '--name',
        reason: `a credential named "${opts.name}" exists already; give it a new key with \`credentials update ${opts.name}\``,
      },
    ]);
  }
  const { credential, probe } = await probedKey(session, opts.baseUrl ?? process.env.INCIDENT_IO_BASE_URL);
  if (!probe.ok) return notSaved(session, probe, 'the credential was not saved');
  const saved = await store.add(
    {
      name: opts.name,
      description: opts.description ?? '',
      base_url: credential.base_url,
      identity: identityOf(probe),
    },
    credential
  );
  process.stdout.write(session.redactor.redact(`${JSON.stringify({ saved })}\n`));
  process.stderr.write(`saved credential "${opts.name}" (key "${probe.identity.name}") in ${store.dir}\n`);
  return EXIT.OK;
}

/**
 * A new key for a saved credential: probed first, against the saved base URL unless --base-url says
 * otherwise; the old key stays if the new one fails. One atomic write replaces the entry.
 */
export async function credentialsUpdate(
  session: Session,
  name: string,
  opts: { description?: string; baseUrl?: string }
): Promise<number> {
  const store = new CredentialStore();
  const current = store.list().find((c) => c.name === name);
  if (!current) {
    const known = store.list().map((c) => c.name);
    throw new ConfigError('the credential name', [
      {
        field: 'NAME',
        reason: `no credential named "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      },
    ]);
  }
  const { credential, probe } = await probedKey(session, opts.baseUrl ?? current.base_url);
  if (!probe.ok) return notSaved(session, probe, `the credential "${name}" keeps its old key`);
  const saved = await store.replace(
    {
      name,
      description: opts.description ?? current.description,
      base_url: credential.base_url,
      identity: identityOf(probe),
    },
    credential
  );
  process.stdout.write(session.redactor.redact(`${JSON.stringify({ saved })}\n`));
  process.stderr.write(`credential "${name}" has a new key (key "${probe.identity.name}")\n`);
  return EXIT.OK;
}

export async function credentialsDefault(name: string): Promise<number> {
  await new CredentialStore().setDefault(name);
  process.stderr.write(
    `"${name}" is the default credential: commands use it when given no --credential and INCIDENT_IO_API_KEY is not set\n`
  );
  return EXIT.OK;
}

/** A table on a terminal; JSON lines (one per credential, `default` marked) anywhere else. */
export function credentialsList(session: Session): number {
  const store = new CredentialStore();
  const list = store.list();
  const byDefault = store.defaultName();
  if (list.length === 0) {
    process.stderr.write(
      'no credentials saved yet: run `incident-io-connector credentials add --name NAME`\n'
    );
    return EXIT.OK;
  }
  if (process.stdout.isTTY) {
    const table = new Table({ head: ['', 'name', 'key', 'roles', 'base URL', 'description', 'created'] });
    for (const c of list) {
      table.push([
        c.name === byDefault ? '*' : '',
        c.name,
        c.identity?.name ?? '',
        [...(c.identity?.roles ?? []), ...(c.identity?.teamRoles ?? [])].join(', '),
        c.base_url,
        c.description,
        c.created_at.slice(0, 10),
      ]);
    }
    process.stdout.write(session.redactor.redact(`${table.toString()}\n`));
    if (byDefault) process.stdout.write(`* the default credential\n`);
    return EXIT.OK;
  }
  for (const c of list) {
    const line = c.name === byDefault ? { ...c, default: true } : c;
    process.stdout.write(session.redactor.redact(`${JSON.stringify(line)}\n`));
  }
  return EXIT.OK;
}

export async function credentialsTest(session: Session, name: string): Promise<number> {
  const credential = new CredentialStore().get(name);
  session.redactor.add(credential.api_key);
  session.redactor.add(credential.webhook_secret);
  const probe = await session.plugin.authenticate(credential, session.context());
  printProbe(session, probe);
  return probe.ok ? EXIT.OK : EXIT.FAILED;
}

export async function credentialsRemove(name: string): Promise<number> {
  const removed = await new CredentialStore().remove(name);
  process.stderr.write(removed ? `removed credential "${name}"\n` : `no credential named "${name}"\n`);
  return removed ? EXIT.OK : EXIT.USAGE;
}

export async function check(
  session: Session,
  opts: { action?: string; stream?: string[]; config?: string }
): Promise<number> {
  requireFormat(session.format, 'check', ['native', 'airbyte']);
  const m = session.plugin.manifest;
  const action = opts.action
    ? checkNames(
        'an action of this destination',
        '--action',
        [opts.action],
        m.destination.actions.map((a) => a.name)
      )[0]
    : undefined;
  const streams = opts.stream?.length
    ? checkNames(
        'a stream of this source',
        '--stream',
        opts.stream,
        m.source.streams.map((s) => s.name)
      )
    : undefined;
  if (session.format === 'airbyte') return checkAirbyte(session, opts.config, { action, streams });
  if (opts.config) {
    throw new ConfigError('the check command', [{ field: '--config', reason: 'needs --format airbyte' }]);
  }
  const credential = session.credential();
  const probe = await session.plugin.authenticate(credential, session.context(), {
    ...(action ? { destination: { action } } : {}),
    ...(streams ? { source: { streams } } : {}),
  });
  printProbe(session, probe);
  return probe.ok ? EXIT.OK : EXIT.FAILED;
}

/**
 * Airbyte's check: one CONNECTION_STATUS. The config (the credential's fields beside a source's or,
 * with "action", a destination's config) is checked too. As Airbyte connectors do, a FAILED status
 * exits 0: the status is the answer; only a check that cannot answer exits otherwise.
 */
async function checkAirbyte(
  session: Session,
  file: string | undefined,
  wanted: { action?: string; streams?: string[] }
): Promise<number> {
  const print = (status: Parameters<typeof airbyteConnectionStatus>[0]) =>
    process.stdout.write(session.redactor.redact(`${JSON.stringify(airbyteConnectionStatus(status))}\n`));
  let probe: ProbeResult;
  try {
    const given = file ? readConfigFile(file, 'the config') : {};
    const { credential: fields, config } = splitConfig(
      given,
      loadSchema(session.plugin.manifest.credentialTypes[0].schema)
    );
    const credential = session.credentialFrom(fields);
    const action = wanted.action ?? (typeof config.action === 'string' ? config.action : undefined);
    // Creating the adapter validates its config (nothing is sent).
    if (action || config.action !== undefined)
      session.plugin.createDestination(credential, { ...config, action }, session.context());
    else session.plugin.createSource(credential, config, session.context());
    probe = await session.plugin.authenticate(credential, session.context(), {
      ...(action ? { destination: { action } } : {}),
      ...(wanted.streams ? { source: { streams: wanted.streams } } : {}),
    });
  } catch (e) {
    if (!(e instanceof ConnectorError)) throw e;
    print({ ok: false, message: e.message });
    return EXIT.OK;
  }
  print(probe);
  if (!probe.ok) process.stderr.write(session.redactor.redact(`${probe.failure}: ${probe.message}\n`));
  return EXIT.OK;
}
