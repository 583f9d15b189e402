// `credentials add|list|test|remove`. The key comes from INCIDENT_IO_API_KEY or a hidden prompt, never
// from an argument (arguments end up in shell history and `ps`). It is probed before it is saved.
import readline from 'node:readline';
import { Writable } from 'node:stream';
import type { ProbeResult } from '../../contract';
import { ConfigError } from '../../errors';
import { CredentialStore } from '../credential-store';
import { EXIT } from '../exit-codes';
import { Session } from '../session';

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

export async function credentialsAdd(
  session: Session,
  opts: { name: string; description?: string; baseUrl?: string }
): Promise<number> {
  const store = new CredentialStore();
  if (store.has(opts.name)) {
    throw new ConfigError('the credential', [
      { field: '--name', reason: `a credential named "${opts.name}" exists already; remove it first` },
    ]);
  }
  const key = await readKey();
  session.redactor.add(key);
  const input: Record<string, unknown> = { api_key: key };
  const baseUrl = opts.baseUrl ?? process.env.INCIDENT_IO_BASE_URL;
  if (baseUrl) input.base_url = baseUrl;
  const credential = session.plugin.validateCredential(input);
  const probe = await session.plugin.authenticate(credential, session.context());
  if (!probe.ok) {
    printProbe(session, probe);
    process.stderr.write('the credential was not saved\n');
    return probe.failure === 'config' ? EXIT.USAGE : EXIT.FAILED;
  }
  const { name, roles, teamRoles, dashboardUrl } = probe.identity;
  const saved = await store.add(
    {
      name: opts.name,
      description: opts.description ?? '',
      base_url: credential.base_url,
      identity: { name, roles, teamRoles, dashboardUrl },
    },
    credential
  );
  process.stdout.write(session.redactor.redact(`${JSON.stringify({ saved })}\n`));
  process.stderr.write(`saved credential "${opts.name}" (key "${name}") in ${store.dir}\n`);
  return EXIT.OK;
}

export function credentialsList(session: Session): number {
  const list = new CredentialStore().list();
  for (const c of list) process.stdout.write(session.redactor.redact(`${JSON.stringify(c)}\n`));
  if (list.length === 0)
    process.stderr.write(
      'no credentials saved yet: run `incident-io-connector credentials add --name NAME`\n'
    );
  return EXIT.OK;
}

export async function credentialsTest(session: Session, name: string): Promise<number> {
  const credential = new CredentialStore().get(name);
  session.redactor.add(credential.api_key);
  const probe = await session.plugin.authenticate(credential, session.context());
  printProbe(session, probe);
  return probe.ok ? EXIT.OK : EXIT.FAILED;
}

export async function credentialsRemove(name: string): Promise<number> {
  const removed = await new CredentialStore().remove(name);
  process.stderr.write(removed ? `removed credential "${name}"\n` : `no credential named "${name}"\n`);
  return removed ? EXIT.OK : EXIT.USAGE;
}

export async function check(session: Session, opts: { action?: string; stream?: string[] }): Promise<number> {
  const credential = session.credential();
  const probe = await session.plugin.authenticate(credential, session.context(), {
    ...(opts.action ? { destination: { action: opts.action } } : {}),
    ...(opts.stream?.length ? { source: { streams: opts.stream } } : {}),
  });
  printProbe(session, probe);
  return probe.ok ? EXIT.OK : EXIT.FAILED;
}
