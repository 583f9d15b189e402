// `demo`: the whole path a user takes, offline: start the simulator, save a credential (probed) in a
// temporary store, read every incident, write incidents, write them again and show nothing was
// created twice. It checks its own claims and exits 1 if any does not hold.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SourceMessage, WriteResult } from '../../contract';
import { startSimulator } from 'incident-io-connector/simulator';
import { CredentialStore } from '../credential-store';
import { EXIT } from '../exit-codes';
import { Session } from '../session';
import { count, WriteSummary } from './write';

const WRITES = 12;

export async function runDemo(session: Session, opts: { incidents?: number } = {}): Promise<number> {
  const say = (text: string) => process.stdout.write(session.redactor.redact(`${text}\n`));
  const started = Date.now();
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-io-demo-'));
  const sim = await startSimulator({ incidents: opts.incidents ?? 1500, seed: 42 });
  session.redactor.add(sim.apiKey);
  try {
    say(`1. incident.io simulator started at ${sim.url}`);

    const store = new CredentialStore(storeDir);
    const credential = session.plugin.validateCredential({ api_key: sim.apiKey, base_url: sim.url });
    const probe = await session.plugin.authenticate(credential, session.context(), {
      destination: { action: 'create_incident' },
    });
    if (!probe.ok) {
      say(`   the probe failed: ${probe.message}`);
      return EXIT.FAILED;
    }
    const { name, roles, teamRoles, dashboardUrl } = probe.identity;
    await store.add(
      {
        name: 'demo',
        description: 'simulator key created by the demo',
        base_url: credential.base_url,
        identity: { name, roles, teamRoles, dashboardUrl },
      },
      credential
    );
    const stored = store.get('demo');
    say(
      `2. credential "demo" probed (key "${name}", roles ${roles.join(', ')}) and saved encrypted in ${store.file}`
    );

    const source = session.plugin.createSource(stored, {}, session.context());
    let records = 0;
    let states = 0;
    let pages = 0;
    const sample: Array<Record<string, unknown>> = [];
    const modes = new Set<string>();
    const categories = new Set<string>();
    for await (const msg of source.read({ streams: ['incidents'] }) as AsyncIterable<SourceMessage>) {
      if (msg.type === 'record') {
        records++;
        if (sample.length < WRITES) sample.push(msg.data);
        modes.add(String(msg.data.mode));
        categories.add(String((msg.data.incident_status as { category?: string } | undefined)?.category));
      } else if (msg.type === 'state') states++;
      else if (msg.type === 'stream_status' && msg.status === 'complete') pages = msg.pages ?? 0;
      else if (msg.type === 'stream_status' && msg.status === 'incomplete') {
        say(`   reading incidents failed: ${msg.error?.message}`);
        return EXIT.FAILED;
      }
    }
    say(
      `3. read ${records} incidents in ${pages} pages (${states} state checkpoints) — modes: ${[...modes].join(', ')}; ` +
        `status categories: ${[...categories].join(', ')}`
    );

    const input = sample.map((r, i) => ({
      name: `Follow-up review of ${String(r.reference ?? r.id)}`,
      summary: `Created by the connector demo from incident ${String(r.id)}`,
      severity: i % 2 === 0 ? 'Major' : 'Minor',
      status: 'Investigating',
      visibility: 'public',
      mode: 'test',
    }));
    const destination = session.plugin.createDestination(
      stored,
      { action: 'create_incident' },
      session.context()
    );
    const runs: WriteSummary[] = [];
    const createdBySimulator: number[] = [];
    for (let run = 0; run < 2; run++) {
      const before = sim.stats().created.incidents;
      const summary: WriteSummary = { in: 0, ok: 0, rejected: 0, failed: 0, outcomes: {} };
      for await (const result of destination.write(input) as AsyncIterable<WriteResult>) {
        count(summary, result);
        if (result.status !== 'ok') say(`   record ${result.index}: ${result.status}: ${result.message}`);
      }
      runs.push(summary);
      createdBySimulator.push(sim.stats().created.incidents - before);
    }
    say(
      `4. wrote ${WRITES} incidents: ${runs[0].ok} ok, ${runs[0].rejected} rejected, ${runs[0].failed} failed; ` +
        `incident.io created ${createdBySimulator[0]}`
    );
    say(
      `5. wrote the same ${WRITES} again: ${runs[1].ok} ok (${runs[1].outcomes.existing ?? 0} already existed); ` +
        `incident.io created ${createdBySimulator[1]} — the idempotency keys made the replay safe`
    );
    const stats = sim.stats();
    // Requests the live API is recorded to refuse (README "What the simulator models"): must be none.
    const refused = stats.liveRuleViolations.length;
    say(
      `\nSummary: ${records} incidents read over ${pages} pages, ${createdBySimulator[0]} created, ` +
        `${createdBySimulator[1]} created on the second write; ${stats.requests} API requests, ` +
        `${stats.byStatus['429'] ?? 0} rate-limited, ${stats.invalidRequests.length} invalid, ` +
        `${refused} requests the live API would refuse, in ${((Date.now() - started) / 1000).toFixed(1)} s`
    );
    // Every incident read, over as many pages as 250 a page makes (`demo --incidents N` with N < 1000
    // used to fail here whatever happened).
    const seeded = opts.incidents ?? 1500;
    const ok =
      records === seeded &&
      pages >= Math.ceil(seeded / 250) &&
      createdBySimulator[0] === WRITES &&
      createdBySimulator[1] === 0 &&
      runs[1].ok === WRITES &&
      refused === 0;
    if (!ok) say('The demo did not reach its expected outcome.');
    return ok ? EXIT.OK : EXIT.FAILED;
  } finally {
    await sim.close();
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
}
