/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (page.evaluate callbacks run in the page: they use the DOM's types.)
// The web console in a real browser: Debian's Chromium driven by playwright-core against the console
// and the simulator in this process. It walks the runtime's credential guide as a person would: the
// type tile, the Authenticate screen, the Add New Credential overlay with a wrong key (the failure is
// shown, nothing is saved) and a right one typed with the keyboard alone (the tile appears selected),
// then a new source (discover, config form, preview, run with live progress, cancel, downloads, an
// incremental re-run), a new destination (action, roles warning, mapping, sample records, dry run,
// run, results, dead letters) and the runs' history. Three keys, the canary among them, are looked
// for in every byte the console answered, every page, the browser's storage and profile, the run
// files, the store and the logs. Screenshots go to .tmp/screenshots/.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { startSimulator, type Simulator } from '../../../simulator/src';
import { DEFAULT_ROLES } from '../../../simulator/src/keys';
import { findLeaks, makeTempDir, readAllFiles, removeTempDir, ROOT, secretForms } from '../../helpers/cli';
import { startTestConsole, type TestConsole } from '../../helpers/console';

const CHROMIUM = '/usr/bin/chromium';
const CANARY = `inc_canary_console_${randomBytes(16).toString('hex')}`;
const CATALOG_KEY = `inc_catalog_console_${randomBytes(16).toString('hex')}`;
const WRONG_KEY = `inc_wrong_console_${randomBytes(16).toString('hex')}`;
const KEYS = { canary: CANARY, 'catalog-only key': CATALOG_KEY, 'wrong key': WRONG_KEY };
const SHOTS = path.join(ROOT, '.tmp', 'screenshots');
const INCIDENTS = 600;

let sim: Simulator;
let tmp: string;
let storeDir: string;
let profileDir: string;
let downloadsDir: string;
let c: TestConsole;
let context: BrowserContext;
let page: Page;

/** Every HTTP answer of the console, head and body, as the server wrote it. */
const answers: Array<{ url: string; bytes: Buffer }> = [];
/** The page (DOM and every field's value) as it was after each step. */
const pages: Array<{ where: string; text: string }> = [];
const browserLog: string[] = [];
let downloads = 0;

function tap(server: http.Server): void {
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const { writeHead, write, end } = res;
    res.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
      chunks.push(Buffer.from(JSON.stringify(args)));
      return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
    } as typeof res.writeHead;
    res.write = function (this: http.ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: http.ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (end as (...a: unknown[]) => http.ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
    res.on('close', () =>
      answers.push({
        url: `${req.method} ${req.url}`,
        bytes: Buffer.concat([Buffer.from(JSON.stringify(res.getHeaders())), ...chunks]),
      })
    );
  });
}

async function snapshot(where: string): Promise<void> {
  const text = await page.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea, select')].map(
      (e) => (e as HTMLInputElement).value
    );
    return `${document.documentElement.outerHTML}\n${values.join('\n')}`;
  });
  pages.push({ where, text });
  for (const [name, key] of Object.entries(KEYS)) {
    expect({ where, key: name, leaks: findLeaks(Buffer.from(text), secretForms(key)) }).toEqual({
      where,
      key: name,
      leaks: [],
    });
  }
}

/** The whole page, or one part of it (the README shows parts: docs/console-*.png are copies). */
async function shot(name: string, part?: Locator): Promise<void> {
  if (part) await part.screenshot({ path: path.join(SHOTS, name) });
  else await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** Every visible form field has a label: in the DOM (label[for], a wrapping label, aria-label) and in the accessibility tree. */
async function expectLabelled(where: string): Promise<number> {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => {
        const e = el as HTMLInputElement;
        if (e.type === 'hidden') return false;
        return (
          !(e.labels && e.labels.length > 0) &&
          !e.getAttribute('aria-label') &&
          !e.getAttribute('aria-labelledby')
        );
      })
      .map((e) => e.outerHTML.slice(0, 160))
  );
  expect({ where, unlabelled }).toEqual({ where, unlabelled: [] });
  const cdp = await context.newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: Array<{ ignored: boolean; role?: { value: string }; name?: { value?: string } }>;
    };
    const roles = [
      'textbox',
      'combobox',
      'checkbox',
      'spinbutton',
      'searchbox',
      'radio',
      'listbox',
      'slider',
      'switch',
    ];
    const controls = nodes.filter((n) => !n.ignored && roles.includes(String(n.role?.value)));
    const nameless = controls
      .filter((n) => String(n.name?.value ?? '').trim() === '')
      .map((n) => n.role?.value);
    expect({ where, nameless }).toEqual({ where, nameless: [] });
    return controls.length;
  } finally {
    await cdp.detach();
  }
}

async function download(link: Locator): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = path.join(downloadsDir, `${++downloads}-${d.suggestedFilename()}`);
  await d.saveAs(file);
  return fs.readFileSync(file, 'utf8');
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const cell = (row: Locator, i: number) => row.locator('td').nth(i);

/** The run shown first (the newest), once its status is one of `statuses`. */
async function runEnded(...statuses: string[]): Promise<Locator> {
  const run = page.locator('.run').first();
  await run
    .locator('.run-status strong')
    .filter({ hasText: new RegExp(`^(${statuses.join('|')})$`) })
    .waitFor();
  return run;
}

/** On the Authenticate screen: select the credential's tile and continue with it. */
async function useCredential(name: string): Promise<void> {
  await page
    .getByRole('article', { name: `Credential ${name}` })
    .getByRole('button', { name: 'Select' })
    .click();
  await page.getByRole('button', { name: `Continue with “${name}”` }).click();
}

async function records(run: Locator, stream: string): Promise<number> {
  return Number(await run.locator(`tr[data-stream="${stream}"] td`).nth(1).textContent());
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  tmp = makeTempDir('incident-io-console-browser-');
  for (const d of ['store', 'profile', 'downloads']) fs.mkdirSync(path.join(tmp, d), { mode: 0o700 });
  [storeDir, profileDir, downloadsDir] = ['store', 'profile', 'downloads'].map((d) => path.join(tmp, d));
  sim = await startSimulator({ incidents: INCIDENTS, size: 'small', seed: 17 });
  sim.addKey({ key: CANARY, name: 'Canary key', roles: DEFAULT_ROLES });
  sim.addKey({ key: CATALOG_KEY, name: 'Catalog reader key', roles: ['catalog_viewer'] });
  c = await startTestConsole(storeDir);
  tap(c.console.server);
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 860 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(20_000);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => browserLog.push(`pageerror: ${e.message}`));
}, 60_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await c?.close();
  await sim?.close();
  removeTempDir(tmp);
});

describe('the console in Chromium', () => {
  it('refuses a browser without the token, then opens once with it', async () => {
    const refused = await page.goto(`${c.console.origin}/`);
    expect(refused?.status()).toBe(403);
    expect(await page.textContent('body')).toMatch(/no console session/);

    await page.goto(c.console.loginUrl);
    expect(page.url()).toBe(`${c.console.origin}/`);
    await page.getByRole('heading', { name: 'Connector console' }).waitFor();
    const [cookie] = await context.cookies(c.console.origin);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The token is spent: the same URL is refused now.
    const again = await page.request.get(c.console.loginUrl, { maxRedirects: 0 });
    expect(again.status()).toBe(403);
  });

  it('draws the type tiles from the manifest, and a wrong key is refused with nothing saved', async () => {
    await page.getByRole('button', { name: 'New source' }).click();
    const tile = page.getByRole('button', { name: /incident\.io/ });
    await expect(tile.textContent()).resolves.toMatch(/Read incidents and more from incident\.io/);
    const logo = tile.locator('img');
    await expect(logo.evaluate((img) => (img as HTMLImageElement).naturalWidth)).resolves.toBeGreaterThan(0);
    await tile.click();
    await page.getByRole('heading', { name: 'Authenticate' }).waitFor();
    expect(await page.locator('article.credential').count()).toBe(0);

    await page.getByRole('button', { name: 'Add Credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add New Credential' });
    await dialog.waitFor();
    await expect(dialog.getByText(/what the credential is for/).count()).resolves.toBe(1);
    const key = dialog.getByLabel('API Key Value');
    expect(await key.getAttribute('type')).toBe('password');
    expect(await key.inputValue()).toBe('');
    await dialog.getByLabel('Credential Name').fill('wrong');
    await key.fill(WRONG_KEY);
    await dialog.getByText('Advanced').click();
    await dialog.getByLabel('API base URL').fill(sim.url);
    expect(await expectLabelled('the Add New Credential overlay')).toBeGreaterThanOrEqual(4);
    await dialog.getByRole('button', { name: 'Save' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /Nothing was saved\. The key was refused \(invalid_key\): .*invalid/
    );
    // The key left the form; nothing reached the store.
    expect(await key.inputValue()).toBe('');
    expect(c.store.list()).toEqual([]);
    await snapshot('after the wrong key');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.locator('article.credential').count()).toBe(0);
  });

  it('saves the right key with the keyboard alone: the tile appears, selected; the key is nowhere in the page', async () => {
    // From the top of the page, Tab to the Add Credential tile.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    let onAdd = false;
    for (let i = 0; i < 30 && !onAdd; i++) {
      await page.keyboard.press('Tab');
      onAdd = await page.evaluate(
        () => document.activeElement?.textContent?.includes('Add Credential') ?? false
      );
    }
    expect(onAdd).toBe(true);
    await page.keyboard.press('Enter');
    const active = () =>
      page.evaluate(() => {
        const e = document.activeElement as HTMLInputElement;
        return { tag: e.tagName, id: e.id, type: e.type ?? '' };
      });
    await page.getByRole('dialog', { name: 'Add New Credential' }).waitFor();
    expect(await active()).toMatchObject({ id: 'credential-name' });
    await page.keyboard.type('canary');
    await page.keyboard.press('Tab');
    expect(await active()).toMatchObject({ id: 'credential-description' });
    await page.keyboard.type('Simulator key with every role, for the browser test');
    await page.keyboard.press('Tab');
    expect(await active()).toMatchObject({ tag: 'INPUT', type: 'password' });
    await page.keyboard.type(CANARY);
    await page.keyboard.press('Tab');
    expect(await active()).toMatchObject({ tag: 'SUMMARY' });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect((await active()).id).toMatch(/base_url/);
    await page.keyboard.press('Control+A');
    await page.keyboard.type(sim.url);
    await shot('add-credential.png');
    await page.keyboard.press('Enter');

    const card = page.getByRole('article', { name: 'Credential canary' });
    await card.getByText('Selected', { exact: true }).first().waitFor();
    await expect(card.textContent()).resolves.toMatch(/Canary key.*viewer, incident_creator/);
    await expect(page.getByRole('status').textContent()).resolves.toMatch(
      /Saved “canary”\. Key “Canary key” works/
    );
    expect(c.store.list()).toMatchObject([
      {
        name: 'canary',
        description: 'Simulator key with every role, for the browser test',
        identity: { name: 'Canary key' },
      },
    ]);
    await shot('authenticate.png');
    await snapshot('after saving the canary key');

    // A second credential, with a key that can only read the catalog (for the warnings below).
    await page.getByRole('button', { name: 'Add Credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add New Credential' });
    await dialog.getByLabel('Credential Name').fill('catalog-only');
    await dialog.getByLabel('API Key Value').fill(CATALOG_KEY);
    await dialog.getByText('Advanced').click();
    await dialog.getByLabel('API base URL').fill(sim.url);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('article', { name: 'Credential catalog-only' })
      .getByText('Selected', { exact: true })
      .first()
      .waitFor();

    // Test a tile: its "last checked" is recorded.
    await card.getByRole('button', { name: 'Test' }).click();
    const works = page.getByRole('status').filter({ hasText: 'Key “Canary key” works' });
    // The probe answers asynchronously: wait for its status, then check there is exactly one.
    await works.first().waitFor();
    await expect(works.count()).resolves.toBe(1);
    await card.getByText(/: works$/).waitFor();
    await snapshot('after adding the catalog-only key');
  });

  it('a new source: discover, config form, preview, run with live progress, cancel, downloads, incremental re-run', async () => {
    // The catalog-only key: the streams it cannot read are marked with the reason and the roles they need.
    await page.getByRole('button', { name: 'Continue with “catalog-only”' }).click();
    const incidentsBox = page.getByRole('checkbox', { name: 'incidents', exact: true });
    await incidentsBox.waitFor();
    expect(await incidentsBox.isDisabled()).toBe(true);
    const row = page.locator('.streams li', { has: incidentsBox });
    await expect(row.textContent()).resolves.toMatch(
      /Not readable with this key: .*roles that can read incidents: viewer/
    );
    expect(await page.getByRole('checkbox', { name: 'catalog_types', exact: true }).isDisabled()).toBe(false);

    await page.getByRole('button', { name: '2. Authenticate' }).click();
    await useCredential('canary');
    await incidentsBox.check();
    await page.getByRole('checkbox', { name: 'severities', exact: true }).check();
    await page.getByText('Advanced').click();
    expect(await page.getByLabel('lookback_minutes').inputValue()).toBe('5');
    expect(await expectLabelled('the source screen')).toBeGreaterThan(40);

    // Preview: sample() of the chosen stream, custom fields by name.
    await page.getByLabel('Stream to preview').selectOption('incidents');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('table', { hasText: 'First 20 records of incidents' });
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBe(20);
    await expect(preview.locator('thead').textContent()).resolves.toMatch(/custom_fields/);
    await expect(preview.locator('tbody').textContent()).resolves.toMatch(/affected_team: \w+/);

    // A run that cannot finish (one page request hangs) is cancelled from the page.
    sim.addFault({ route: 'GET /v2/incidents', kind: 'hang', after: 1 });
    await page.getByRole('button', { name: 'Start run' }).click();
    const live = page.locator('.run').first();
    await live.locator('.run-status strong', { hasText: 'running' }).waitFor();
    await page.waitForFunction(
      () =>
        Number(document.querySelector('.run tr[data-stream="incidents"] td:nth-of-type(2)')?.textContent) > 0
    );
    await live.getByRole('button', { name: 'Cancel run' }).click();
    const cancelled = await runEnded('cancelled', 'complete', 'incomplete', 'failed');
    await expect(cancelled.locator('.run-status').textContent()).resolves.toMatch(/cancelled/);
    await expect(cancelled.locator('tr[data-stream="incidents"] td').first().textContent()).resolves.toBe(
      'incomplete'
    );
    sim.clearFaults();

    // A complete run: every record, downloadable as JSONL, and the state to keep.
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.locator('.run').nth(1).waitFor();
    const full = await runEnded('complete', 'incomplete', 'failed', 'cancelled');
    await expect(full.locator('.run-status').textContent()).resolves.toMatch(/: complete/);
    expect(await records(full, 'incidents')).toBe(INCIDENTS);
    expect(await records(full, 'severities')).toBe(sim.expectedCount('severities'));
    await expect(full.textContent()).resolves.toMatch(/Rate limit: \d+ request\(s\) waited/);
    await shot('source-run.png');
    await shot('source-run-section.png', page.getByRole('region', { name: 'Run', exact: true }));
    const jsonl = lines(await download(full.getByRole('link', { name: 'incidents.jsonl' })));
    expect(jsonl).toHaveLength(INCIDENTS);
    expect(new Set(jsonl.map((l) => (JSON.parse(l) as { id: string }).id)).size).toBe(INCIDENTS);
    const state = JSON.parse(await download(full.getByRole('link', { name: 'state.json' }))) as {
      streams: Record<string, unknown>;
    };
    expect(Object.keys(state.streams).sort()).toEqual(['incidents', 'severities']);

    // Run again incrementally: only what changed since (within the lookback) comes back.
    sim.touchIncidents(3);
    await page.getByRole('button', { name: 'Run again incrementally' }).click();
    await page.locator('.run').nth(2).waitFor();
    const incremental = await runEnded('complete', 'incomplete', 'failed', 'cancelled');
    await expect(incremental.locator('.run-status').textContent()).resolves.toMatch(/: complete/);
    const again = await records(incremental, 'incidents');
    expect(again).toBeGreaterThanOrEqual(3);
    expect(again).toBeLessThan(INCIDENTS);
    await snapshot('after the source runs');
  });

  it('a new destination: action and roles warning, mapping, sample records, dry run, run, results, dead letters', async () => {
    await page.getByRole('button', { name: 'New destination' }).click();
    await page.getByRole('button', { name: /incident\.io/ }).click();
    await useCredential('catalog-only');
    expect(await page.getByLabel('What each record becomes').inputValue()).toBe('create_incident');
    await expect(page.getByText(/Needs one of these roles: incident_creator/).count()).resolves.toBe(1);
    const warning = page.getByRole('alert').filter({ hasText: 'lacks a role to run create_incident' });
    await warning.waitFor();

    await page.getByRole('button', { name: '2. Authenticate' }).click();
    await useCredential('canary');
    await page.getByRole('status').filter({ hasText: 'has a role for this action' }).waitFor();

    // The mapping editor, from create_incident's input schema.
    await page.getByLabel('Source of name', { exact: true }).selectOption('template');
    await page.getByLabel('Value of name', { exact: true }).fill('{{service}} is down');
    await page.getByLabel('Source of severity', { exact: true }).selectOption('pointer');
    await page.getByLabel('Value of severity', { exact: true }).fill('/sev');
    await page.getByLabel('Source of mode', { exact: true }).selectOption('const');
    await page.getByLabel('Value of mode', { exact: true }).selectOption('test');
    // One record at a time, so which request the fault below refuses is certain.
    await page.locator('details.advanced summary').click();
    await page.getByLabel('concurrency').fill('1');
    const input = [
      '{"service":"API","sev":"Major"}',
      '{"service":"DB","sev":"Nope"}',
      '{"service":"Web","sev":"Minor"}',
    ];
    await page.getByLabel('Records (a JSON array or JSON lines)').fill(input.join('\n'));
    await page.getByText('3 record(s)').waitFor();
    expect(await expectLabelled('the destination screen')).toBeGreaterThan(30);

    const before = sim.stats().created.incidents;
    await page.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.locator('table', { hasText: 'Dry run: what would be sent for each record' });
    await dry.waitFor();
    const dryRows = dry.locator('tbody tr');
    expect(await dryRows.count()).toBe(3);
    await expect(cell(dryRows.nth(0), 2).textContent()).resolves.toMatch(
      /POST \/v2\/incidents.*"name": "API is down".*"mode": "test"/s
    );
    expect(await cell(dryRows.nth(1), 1).textContent()).toBe('rejected');
    await expect(cell(dryRows.nth(1), 3).textContent()).resolves.toMatch(
      /\/severity "Nope" is not a known severity/
    );
    await expect(cell(dryRows.nth(2), 2).textContent()).resolves.toMatch(/"name": "Web is down"/);
    expect(sim.stats().created.incidents).toBe(before);
    await shot('destination-dry-run.png');
    await shot('destination-dry-run-section.png', page.getByRole('region', { name: 'Validate and run' }));

    // The same records uploaded as a file, then written; the second POST is refused by incident.io.
    await page.getByLabel('Or upload a file (.json or .jsonl)').setInputFiles({
      name: 'records.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(`${input.join('\n')}\n`),
    });
    await page.getByText('3 record(s)').waitFor();
    sim.addFault({ route: 'POST /v2/incidents', kind: 'forbid', after: 1 });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const results = page.locator('table', { hasText: 'Results, one per record' });
    await results.waitFor();
    sim.clearFaults();
    const rows = results.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await cell(rows.nth(0), 1).textContent()).toBe('ok');
    expect(await cell(rows.nth(0), 2).textContent()).toMatch(/^\w{20,}$/);
    expect(await cell(rows.nth(1), 1).textContent()).toBe('rejected');
    expect(await cell(rows.nth(2), 1).textContent()).toBe('failed');
    await expect(cell(rows.nth(2), 3).textContent()).resolves.toMatch(
      /permission \(HTTP 403\): .*not allowed/
    );
    expect(await cell(rows.nth(2), 4).textContent()).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.stats().created.incidents).toBe(before + 1);
    const run = await runEnded('incomplete', 'complete', 'failed', 'cancelled');
    const dead = lines(await download(run.getByRole('link', { name: 'dead-letters.jsonl' }))).map(
      (l) => JSON.parse(l) as { service: string; _dead_letter: { status: string } }
    );
    expect(dead.map((d) => [d.service, d._dead_letter.status])).toEqual([
      ['DB', 'rejected'],
      ['Web', 'failed'],
    ]);
    expect(lines(await download(run.getByRole('link', { name: 'results.jsonl' })))).toHaveLength(3);
    await shot('destination-run.png');
    await snapshot('after the destination runs');
  });

  it('lists every run started from the console, with its files', async () => {
    await page.getByRole('button', { name: 'Runs', exact: true }).click();
    const table = page.locator('table.runs');
    await table.waitFor();
    const statuses = await table.locator('tbody tr td:nth-of-type(5)').allTextContents();
    expect(statuses.map((s) => s.split(':')[0])).toEqual([
      'incomplete',
      'complete',
      'complete',
      'complete',
      'cancelled',
    ]);
    await expect(table.locator('tbody tr').nth(3).textContent()).resolves.toMatch(
      /incidents: 600, severities: \d+/
    );
    await expect(table.locator('tbody tr').nth(1).textContent()).resolves.toMatch(/\(dry run\)/);
    expect(await expectLabelled('the runs page')).toBe(0);
    await shot('runs.png');
    await snapshot('the runs page');
  });

  it('leaves no key in any answer, page, log, run file, store file or browser storage, under a strict CSP', async () => {
    const storage = await page.evaluate(async () => ({
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      indexedDB: JSON.stringify(await indexedDB.databases()),
    }));
    const cookies = JSON.stringify(await context.cookies());
    await context.close();
    const profile = readAllFiles(profileDir);
    const places: Array<[string, Buffer]> = [
      ...answers.map((a): [string, Buffer] => [`the answer to ${a.url}`, a.bytes]),
      ...pages.map((p): [string, Buffer] => [`the page ${p.where}`, Buffer.from(p.text)]),
      ['the console log', Buffer.from(c.log.join('\n'))],
      ['cookies', Buffer.from(cookies)],
      ['localStorage, sessionStorage, IndexedDB', Buffer.from(JSON.stringify(storage))],
      ...readAllFiles(storeDir).map((f): [string, Buffer] => [f.file, f.bytes]),
      ...readAllFiles(downloadsDir).map((f): [string, Buffer] => [f.file, f.bytes]),
      ...profile.map((f): [string, Buffer] => [f.file, f.bytes]),
    ];
    const leaks: string[] = [];
    for (const [name, key] of Object.entries(KEYS)) {
      const forms = secretForms(key);
      for (const [where, bytes] of places)
        for (const l of findLeaks(bytes, forms)) leaks.push(`${name}: ${l} in ${where}`);
    }
    expect(leaks).toEqual([]);
    // What was searched, so a shrinking search cannot pass silently.
    const runFiles = readAllFiles(path.join(storeDir, 'console'));
    const coverage = {
      answers: answers.length,
      answerBytes: answers.reduce((n, a) => n + a.bytes.length, 0),
      eventStreams: answers.filter((a) => /\/events$/.test(a.url)).length,
      pages: pages.length,
      logLines: c.log.length,
      runFiles: runFiles.length,
      storeFiles: readAllFiles(storeDir).length,
      downloads: readAllFiles(downloadsDir).length,
      profileFiles: profile.length,
      profileBytes: profile.reduce((n, f) => n + f.bytes.length, 0),
    };
    fs.writeFileSync(path.join(SHOTS, 'canary-coverage.json'), `${JSON.stringify(coverage, null, 2)}\n`);
    expect(coverage.answers).toBeGreaterThan(40);
    expect(coverage.eventStreams).toBeGreaterThanOrEqual(5);
    expect(coverage.runFiles).toBeGreaterThanOrEqual(10);
    expect(coverage.downloads).toBe(4);
    expect(coverage.profileFiles).toBeGreaterThan(10);
    // No Content-Security-Policy violation, no script error.
    expect(browserLog.filter((l) => /Content Security Policy|Refused to|pageerror/i.test(l))).toEqual([]);
  });
});
