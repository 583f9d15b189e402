// The web console's server without a browser: who may talk to it (one-time token → session cookie,
// Host and Origin checks against DNS rebinding and cross-site requests, CSRF on every change, strict
// CSP), and the API behaviours a page cannot show well (a refused key changes nothing, a new key
// replaces the old only when it works, run files cannot be escaped).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startSimulator, type Simulator } from '../../../simulator/src';
import { login, rawRequest, startTestConsole, type TestConsole } from '../../helpers/console';
import { CLI, makeTempDir, removeTempDir } from '../../helpers/cli';

let sim: Simulator;
let tmp: string;
let c: TestConsole;
let port: number;

beforeAll(async () => {
  sim = await startSimulator({ incidents: 40, size: 'small', seed: 21 });
  sim.addKey({ key: 'inc_console_viewer_key_0123456789', name: 'Viewer key', roles: ['viewer'] });
});
afterAll(() => sim.close());

beforeEach(async () => {
  tmp = makeTempDir('incident-io-console-');
  c = await startTestConsole(tmp);
  port = c.console.port;
});
afterEach(async () => {
  await c.close();
  removeTempDir(tmp);
});

const json = (body: unknown) => JSON.stringify(body);

describe('the console gate', () => {
  it('answers 403 to everything without a session: the page, the assets and the API', async () => {
    for (const p of ['/', '/assets/app.js', '/api/connectors', '/api/session', '/api/runs']) {
      const res = await rawRequest(port, 'GET', p);
      expect({ p, status: res.status }).toEqual({ p, status: 403 });
      expect(res.body).toMatch(/no console session/);
    }
    const post = await rawRequest(port, 'POST', '/api/runs', { 'content-type': 'application/json' }, '{}');
    expect(post.status).toBe(403);
    // A session cookie the console never issued is no session.
    const forged = await rawRequest(port, 'GET', '/api/connectors', {
      cookie: `incident_io_console_${port}=${'A'.repeat(43)}`,
    });
    expect(forged.status).toBe(403);
  });

  it('exchanges the one-time token for an HttpOnly, SameSite=Strict cookie, once', async () => {
    const url = new URL(c.console.loginUrl);
    expect(url.origin).toBe(`http://127.0.0.1:${port}`);
    const wrong = await rawRequest(port, 'GET', `/?token=${'x'.repeat(43)}`);
    expect(wrong.status).toBe(403);
    const first = await rawRequest(port, 'GET', `${url.pathname}${url.search}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    const again = await rawRequest(port, 'GET', `${url.pathname}${url.search}`);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();

    const page = await rawRequest(port, 'GET', '/', { cookie: cookie.split(';')[0] });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<script defer src="\/assets\/app.js"><\/script>/);
  });

  it('refuses a Host that is not its own address (DNS rebinding), even with a valid session', async () => {
    const { cookie } = await login(c.console);
    for (const host of [
      `rebind.example.com:${port}`,
      `localhost.evil:${port}`,
      `192.168.1.20:${port}`,
      '127.0.0.1',
    ]) {
      const res = await rawRequest(port, 'GET', '/api/connectors', { host, cookie });
      expect({ host, status: res.status }).toEqual({ host, status: 403 });
    }
    expect((await rawRequest(port, 'GET', '/api/connectors', { cookie })).status).toBe(200);
  });

  it('refuses a foreign Origin on reads and writes, and a cross-site fetch', async () => {
    const { cookie, csrf } = await login(c.console);
    const headers = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };
    for (const origin of ['https://evil.example', `http://localhost:${port}`, 'null']) {
      const get = await rawRequest(port, 'GET', '/api/connectors', { cookie, origin });
      const del = await rawRequest(port, 'DELETE', '/api/connectors/incident_io_api/credentials/x', {
        ...headers,
        origin,
      });
      expect({ origin, get: get.status, del: del.status }).toEqual({ origin, get: 403, del: 403 });
    }
    const crossSite = await rawRequest(port, 'GET', '/api/connectors', {
      cookie,
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);
    const own = await rawRequest(port, 'GET', '/api/connectors', {
      cookie,
      origin: `http://127.0.0.1:${port}`,
    });
    expect(own.status).toBe(200);
  });

  it('refuses a state-changing request without the CSRF token, or with a wrong one', async () => {
    const { cookie, csrf } = await login(c.console);
    const body = json({ name: 'x', credential: { api_key: sim.apiKey, base_url: sim.url } });
    const base = { cookie, 'content-type': 'application/json' };
    const p = '/api/connectors/incident_io_api/credentials';
    expect((await rawRequest(port, 'POST', p, base, body)).status).toBe(403);
    expect((await rawRequest(port, 'POST', p, { ...base, 'x-csrf-token': `${csrf}x` }, body)).status).toBe(
      403
    );
    expect(c.store.list()).toEqual([]);
    // A plain form post (no JSON content type) is refused even with the token.
    const form = await rawRequest(
      port,
      'POST',
      p,
      { cookie, 'x-csrf-token': csrf, 'content-type': 'text/plain' },
      body
    );
    expect(form.status).toBe(415);
    const ok = await rawRequest(port, 'POST', p, { ...base, 'x-csrf-token': csrf }, body);
    expect(ok.status).toBe(200);
    expect(c.store.list().map((x) => x.name)).toEqual(['x']);
  });

  it('sends a strict Content-Security-Policy and no-store on every answer', async () => {
    const { cookie } = await login(c.console);
    for (const p of ['/', '/assets/app.js', '/api/connectors']) {
      const res = await rawRequest(port, 'GET', p, { cookie });
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toMatch(/default-src 'self'/);
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
    }
    // The bundle needs no eval: the forms' validators were compiled ahead from the schemas.
    const bundle = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', 'dist', 'console', 'app.js'),
      'utf8'
    );
    expect(bundle).not.toMatch(/new Function\(|\beval\(/);
  });
});

describe('the console API', () => {
  async function session() {
    const { cookie, csrf } = await login(c.console);
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await rawRequest(
        port,
        method,
        p,
        { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
        body === undefined ? undefined : json(body)
      );
      return { status: res.status, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
    };
    call.cookie = cookie;
    return call;
  }
  const creds = '/api/connectors/incident_io_api/credentials';

  it('saves nothing when the probe refuses the key, and says why', async () => {
    const call = await session();
    const res = await call('POST', creds, {
      name: 'bad',
      credential: { api_key: 'inc_not_a_key_at_all_0000', base_url: sim.url },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ saved: false, probe: { ok: false, failure: 'invalid_key' } });
    expect(c.store.list()).toEqual([]);
    // A credential the plugin's schema refuses is a 400 listing the field, and saves nothing either.
    const invalid = await call('POST', creds, {
      name: 'bad',
      credential: { api_key: 'has spaces', base_url: sim.url },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: { failureType: 'config', problems: [{ field: '/api_key' }] },
    });
    expect(c.store.list()).toEqual([]);
  });

  it('replaces a key only with one that works, keeping the name and description', async () => {
    const call = await session();
    await call('POST', creds, {
      name: 'prod',
      description: 'read + write',
      credential: { api_key: sim.apiKey, base_url: sim.url },
    });
    const refused = await call('PUT', `${creds}/prod/key`, {
      credential: { api_key: 'inc_revoked_000000000', base_url: sim.url },
    });
    expect(refused.body).toMatchObject({ saved: false, probe: { failure: 'invalid_key' } });
    expect(c.store.get('prod').api_key).toBe(sim.apiKey);

    const replaced = await call('PUT', `${creds}/prod/key`, {
      credential: { api_key: 'inc_console_viewer_key_0123456789', base_url: sim.url },
    });
    expect(replaced.body).toMatchObject({
      saved: true,
      credential: {
        name: 'prod',
        description: 'read + write',
        identity: { name: 'Viewer key', roles: ['viewer'] },
      },
    });
    expect(c.store.get('prod').api_key).toBe('inc_console_viewer_key_0123456789');

    // The probe for an action warns about the role the key lacks, and records when it was checked.
    const test = await call('POST', `${creds}/prod/test`, { action: 'create_incident' });
    expect(test.body).toMatchObject({ probe: { ok: true }, credential: { lastChecked: { ok: true } } });
    expect(String((test.body.probe as { warnings: string[] }).warnings)).toMatch(
      /lacks a role to run create_incident/
    );

    expect((await call('DELETE', `${creds}/prod`)).status).toBe(200);
    expect(c.store.list()).toEqual([]);
    expect((await call('DELETE', `${creds}/prod`)).status).toBe(404);
  });

  it('refuses a bad source config before any run exists, and keeps run files out of reach', async () => {
    const call = await session();
    await call('POST', creds, { name: 'sim', credential: { api_key: sim.apiKey, base_url: sim.url } });
    const bad = await call('POST', '/api/runs', {
      kind: 'source',
      connector: 'incident_io_api',
      credential: 'sim',
      streams: ['severities'],
      config: { lookback_minutes: -1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { failureType: 'config' } });
    expect((await call('GET', '/api/runs')).body).toEqual([]);

    const run = await call('POST', '/api/runs', {
      kind: 'source',
      connector: 'incident_io_api',
      credential: 'sim',
      streams: ['severities'],
      config: {},
    });
    expect(run.status).toBe(200);
    const id = String(run.body.id);
    // The events stream ends with the final record.
    const events = await rawRequest(port, 'GET', `/api/runs/${id}/events`, { cookie: call.cookie });
    expect(events.body).toMatch(/event: done\ndata: \{.*"status":"complete"/);
    const files = (await call('GET', `/api/runs/${id}`)).body.files as string[];
    expect(files.sort()).toEqual(['severities.jsonl', 'state.json']);
    for (const escape of ['..%2F..%2Fcredentials.json', '..%2F..%2Fmaster.key', 'runs.json', '.hidden']) {
      expect((await call('GET', `/api/runs/${id}/files/${escape}`)).status).toBe(404);
    }
    expect((await call('GET', `/api/runs/..%2F..%2Fx/files/state.json`)).status).toBe(404);
  });
});

describe('incident-io-connector console', () => {
  it('prints the URL with its one-time token, serves it, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'console', '--port', '0'], {
      env: { ...process.env, INCIDENT_IO_CONNECTOR_HOME: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      child.once('exit', () => reject(new Error(`the console exited early: ${stderr}`)));
    });
    const url = new URL(firstLine);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const res = await rawRequest(Number(url.port), 'GET', `${url.pathname}${url.search}`);
    expect(res.status).toBe(303);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toMatch(/console listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(stderr).toContain(tmp);
  });
});
