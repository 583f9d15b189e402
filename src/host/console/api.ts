// The console's JSON API. It knows nothing of incident.io: every answer comes from the plugin's
// public interface (manifest, schemas, validateCredential, authenticate, createSource → discover,
// sample, read, createDestination → write) and the credential store's public API.
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  ConnectorContext,
  ConnectorManifest,
  Credential,
  DestinationAdapter,
  ProbeOptions,
  ProbeResult,
  SourceAdapter,
  StreamState,
} from '../../contract';
import type { CredentialStore, StoredCredentialInfo } from '../credential-store';
import type { LoadedPlugin } from '../loader';
import type { Redactor } from '../redact';
import { readJsonFile } from '../session';
import type {
  ActionInfo,
  ConnectorDetails,
  ConnectorTile,
  CredentialTile,
  DiscoveredStream,
  JsonSchema,
  RunResults,
  SaveCredentialResponse,
  SessionInfo,
  StartDestinationRun,
  StartSourceRun,
} from './api-types';
import type { ConsoleHistory } from './history';
import { ConsoleRequestError, objectBody, readJson, sendJson, stringField } from './http-io';
import { RunManager, STATE_FILE } from './runs';
import { secretValues, withoutSecrets } from './secret-fields';
import { SECURITY_HEADERS } from './security';

export interface ConsoleApp {
  loaded: LoadedPlugin;
  store: CredentialStore;
  history: ConsoleHistory;
  runs: RunManager;
  redactor: Redactor;
  /** The plugin's schema files as read once (by path relative to the package). */
  schemas: Map<string, JsonSchema>;
  context(extra?: Partial<ConnectorContext>): ConnectorContext;
  log(line: string): void;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  csrf: string;
}

type Handler = (app: ConsoleApp, call: Call) => Promise<unknown> | unknown;

const SAMPLE_DEFAULT = 20;
const SAMPLE_MAX = 100;
const MAX_RECORDS = 10_000;

const LOGO_TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png' };

function manifestOf(app: ConsoleApp, id: string): ConnectorManifest {
  if (id !== app.loaded.manifest.id) throw new ConsoleRequestError(404, `no connector "${id}"`);
  return app.loaded.manifest;
}

function schema(app: ConsoleApp, rel: string): JsonSchema {
  let s = app.schemas.get(rel);
  if (!s) {
    s = readJsonFile(path.join(app.loaded.dir, rel), `the schema ${rel}`) as JsonSchema;
    app.schemas.set(rel, s);
  }
  return s;
}

function tile(m: ConnectorManifest): ConnectorTile {
  return {
    id: m.id,
    name: m.name,
    description: m.description ?? '',
    ...(m.logo ? { logoUrl: `/api/connectors/${encodeURIComponent(m.id)}/logo` } : {}),
    capabilities: (m.capabilities as Record<string, boolean> | undefined) ?? {},
  };
}

function details(app: ConsoleApp, m: ConnectorManifest): ConnectorDetails {
  const actions: ActionInfo[] = m.destination.actions.map((a) => {
    const inputSchema = schema(app, a.input);
    return {
      name: a.name,
      description: a.description ?? String(inputSchema.description ?? ''),
      roles: a.roles ?? [],
      idempotency: a.idempotency,
      inputSchema,
    };
  });
  return {
    ...tile(m),
    credentialTypes: m.credentialTypes.map((c) => ({
      id: c.id,
      name: (c as { name?: string }).name ?? c.id,
      schema: schema(app, c.schema),
    })),
    source: { configSchema: schema(app, m.source.configSchema), streams: m.source.streams },
    destination: { configSchema: schema(app, m.destination.configSchema), actions },
  };
}

function credentialTiles(app: ConsoleApp): CredentialTile[] {
  const checks = app.history.checks();
  return app.store.list().map((c: StoredCredentialInfo) => ({
    name: c.name,
    description: c.description,
    baseUrl: c.base_url,
    createdAt: c.created_at,
    ...(c.identity ? { identity: c.identity } : {}),
    ...(checks[c.name] ? { lastChecked: checks[c.name] } : {}),
  }));
}

function tileOf(app: ConsoleApp, name: string): CredentialTile {
  const t = credentialTiles(app).find((c) => c.name === name);
  if (!t) throw new ConsoleRequestError(404, `no credential named "${name}"`);
  return t;
}

/** The saved key of a credential, known to the redactor from now on. */
function storedCredential(app: ConsoleApp, name: string): Credential {
  tileOf(app, name);
  const c = app.store.get(name);
  app.redactor.add(c.api_key);
  app.redactor.add(c.webhook_secret);
  return app.loaded.plugin.validateCredential(c);
}

/** The credential schema's values from the form, validated by the plugin; secrets known to the redactor. */
function credentialFromForm(app: ConsoleApp, m: ConnectorManifest, input: unknown): Credential {
  const values = objectBody(input, '"credential"');
  for (const s of secretValues(schema(app, m.credentialTypes[0].schema), values)) app.redactor.add(s);
  return app.loaded.plugin.validateCredential(values);
}

function recordCheck(app: ConsoleApp, name: string, probe: ProbeResult): void {
  app.history.setCheck(name, {
    at: new Date().toISOString(),
    ok: probe.ok,
    ...(probe.ok ? {} : { failure: probe.failure, message: probe.message }),
  });
}

async function probe(app: ConsoleApp, credential: Credential, opts?: ProbeOptions): Promise<ProbeResult> {
  return app.loaded.plugin.authenticate(credential, app.context(), opts);
}

async function saveCredential(
  app: ConsoleApp,
  { req, params }: Call,
  replace: boolean
): Promise<SaveCredentialResponse> {
  const m = manifestOf(app, params[0]);
  const body = objectBody(await readJson(req), 'the request');
  const name = replace ? params[1] : stringField(body, 'name');
  const existing = replace ? tileOf(app, name) : undefined;
  if (!replace && app.store.has(name)) {
    throw new ConsoleRequestError(409, `a credential named "${name}" exists already`);
  }
  const credential = credentialFromForm(app, m, body.credential);
  const result = await probe(app, credential);
  if (!result.ok) {
    app.log(`credential "${name}" was not saved: the probe said ${result.failure}`);
    return { saved: false, probe: result };
  }
  const { name: keyName, roles, teamRoles, dashboardUrl } = result.identity;
  const info = {
    name,
    description: existing ? existing.description : stringField(body, 'description', true),
    base_url: credential.base_url,
    identity: { name: keyName, roles, teamRoles, dashboardUrl },
  };
  // The new key was probed first: the old entry is replaced (atomically) only by a good one.
  if (existing) await app.store.replace(info, credential);
  else await app.store.add(info, credential);
  recordCheck(app, name, result);
  app.log(`credential "${name}" ${replace ? 'has a new key' : 'saved'} (key "${keyName}")`);
  return { saved: true, probe: result, credential: tileOf(app, name) };
}

function sourceConfig(app: ConsoleApp, m: ConnectorManifest, input: unknown) {
  const full = input === undefined ? {} : objectBody(input, '"config"');
  const s = schema(app, m.source.configSchema);
  for (const v of secretValues(s, full)) app.redactor.add(v);
  return { full, kept: withoutSecrets(s, full) };
}

function destinationConfig(app: ConsoleApp, m: ConnectorManifest, input: unknown) {
  const full = objectBody(input, '"config"');
  const s = schema(app, m.destination.configSchema);
  for (const v of secretValues(s, full)) app.redactor.add(v);
  return { full, kept: withoutSecrets(s, full) };
}

function streamsOf(m: ConnectorManifest, value: unknown): string[] {
  const known = new Set(m.source.streams.map((s) => s.name));
  if (!Array.isArray(value) || value.length === 0 || value.some((s) => !known.has(s as string))) {
    throw new ConsoleRequestError(400, '"streams" must list one or more streams of the connector');
  }
  return value as string[];
}

function close(adapter: SourceAdapter | DestinationAdapter): void {
  adapter.close();
}

async function startRun(app: ConsoleApp, { req }: Call) {
  const body = objectBody(await readJson(req), 'the request');
  const m = manifestOf(app, stringField(body, 'connector'));
  const name = stringField(body, 'credential');
  const credential = storedCredential(app, name);
  if (body.kind === 'source') {
    const run: StartSourceRun = {
      kind: 'source',
      connector: m.id,
      credential: name,
      streams: streamsOf(m, body.streams),
      config: {},
      ...(typeof body.incrementalFrom === 'string' ? { incrementalFrom: body.incrementalFrom } : {}),
    };
    let state: Record<string, StreamState> = {};
    if (run.incrementalFrom) {
      const file = app.history.runFile(run.incrementalFrom, STATE_FILE);
      state = (readJsonFile(file, 'the state of the earlier run') as { streams: Record<string, StreamState> })
        .streams;
    }
    return app.runs.startSource(run, credential, sourceConfig(app, m, body.config), state);
  }
  if (body.kind === 'destination') {
    if (!Array.isArray(body.records) || body.records.length === 0 || body.records.length > MAX_RECORDS) {
      throw new ConsoleRequestError(400, `"records" must be a list of 1 to ${MAX_RECORDS} records`);
    }
    const run: StartDestinationRun = {
      kind: 'destination',
      connector: m.id,
      credential: name,
      config: {},
      records: body.records,
      dryRun: body.dryRun === true,
    };
    return app.runs.startDestination(run, credential, destinationConfig(app, m, body.config));
  }
  throw new ConsoleRequestError(400, '"kind" must be "source" or "destination"');
}

function sendFile(res: ServerResponse, file: string, type: string, download?: string): void {
  const stat = fs.statSync(file);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': stat.size,
    ...(download ? { 'Content-Disposition': `attachment; filename="${download}"` } : {}),
  });
  fs.createReadStream(file).pipe(res);
}

/** Server-sent events: a `progress` event per snapshot, then `done` with the final record. */
function runEvents(app: ConsoleApp, { req, res, params }: Call): undefined {
  app.runs.snapshot(params[0]);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/event-stream; charset=utf-8',
    Connection: 'keep-alive',
  });
  let ended = false;
  const off = app.runs.subscribe(params[0], (run, done) => {
    if (ended) return;
    res.write(app.redactor.redact(`event: ${done ? 'done' : 'progress'}\ndata: ${JSON.stringify(run)}\n\n`));
    if (done) {
      ended = true;
      res.end();
    }
  });
  req.on('close', off);
  return undefined;
}

const SEGMENT = '([^/]+)';
const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [];
function route(method: string, pattern: string, handler: Handler): void {
  routes.push({ method, pattern: new RegExp(`^${pattern.replace(/:[a-z]+/g, SEGMENT)}$`), handler });
}

route('GET', '/api/session', (_app, { csrf }): SessionInfo => ({ csrfToken: csrf }));
route('GET', '/api/connectors', (app) => [tile(app.loaded.manifest)]);
route('GET', '/api/connectors/:id', (app, { params }) => details(app, manifestOf(app, params[0])));
route('GET', '/api/connectors/:id/logo', (app, { res, params }) => {
  const m = manifestOf(app, params[0]);
  const type = m.logo ? LOGO_TYPES[path.extname(m.logo)] : undefined;
  if (!m.logo || !type) throw new ConsoleRequestError(404, 'the connector has no logo');
  sendFile(res, path.join(app.loaded.dir, m.logo), type);
});
route('GET', '/api/connectors/:id/credentials', (app, { params }) => {
  manifestOf(app, params[0]);
  return credentialTiles(app);
});
route('POST', '/api/connectors/:id/credentials', (app, call) => saveCredential(app, call, false));
route('PUT', '/api/connectors/:id/credentials/:name/key', (app, call) => saveCredential(app, call, true));
route('POST', '/api/connectors/:id/credentials/:name/test', async (app, { req, params }) => {
  manifestOf(app, params[0]);
  const body = objectBody(await readJson(req), 'the request');
  const credential = storedCredential(app, params[1]);
  const opts: ProbeOptions = {
    ...(typeof body.action === 'string' ? { destination: { action: body.action } } : {}),
    ...(Array.isArray(body.streams) ? { source: { streams: body.streams as string[] } } : {}),
  };
  const result = await probe(app, credential, opts);
  recordCheck(app, params[1], result);
  return { probe: result, credential: tileOf(app, params[1]) };
});
route('DELETE', '/api/connectors/:id/credentials/:name', async (app, { params }) => {
  manifestOf(app, params[0]);
  tileOf(app, params[1]);
  await app.store.remove(params[1]);
  app.history.setCheck(params[1], undefined);
  app.log(`credential "${params[1]}" deleted`);
  return { deleted: true };
});
route('POST', '/api/connectors/:id/credentials/:name/discover', async (app, { req, params }) => {
  const m = manifestOf(app, params[0]);
  const body = objectBody(await readJson(req), 'the request');
  const source = app.loaded.plugin.createSource(
    storedCredential(app, params[1]),
    sourceConfig(app, m, body.config).full,
    app.context()
  );
  try {
    const streams = await source.discover();
    return streams.map(({ jsonSchema: _schema, ...rest }): DiscoveredStream => rest);
  } finally {
    close(source);
  }
});
route('POST', '/api/connectors/:id/credentials/:name/sample', async (app, { req, params }) => {
  const m = manifestOf(app, params[0]);
  const body = objectBody(await readJson(req), 'the request');
  const stream = streamsOf(m, [body.stream])[0];
  const limit = Math.min(SAMPLE_MAX, Math.max(1, Number(body.limit) || SAMPLE_DEFAULT));
  const source = app.loaded.plugin.createSource(
    storedCredential(app, params[1]),
    sourceConfig(app, m, body.config).full,
    app.context()
  );
  try {
    if (source.sample) return { records: await source.sample(stream, limit) };
    const records: unknown[] = [];
    for await (const msg of source.read({ streams: [stream], limit }))
      if (msg.type === 'record') records.push(msg.data);
    return { records };
  } finally {
    close(source);
  }
});
route('GET', '/api/runs', (app) => app.history.list());
route('POST', '/api/runs', (app, call) => startRun(app, call));
route('GET', '/api/runs/:id', (app, { params }) => app.runs.snapshot(params[0]));
route('GET', '/api/runs/:id/results', (app, { params }): RunResults => app.runs.results(params[0]));
route('GET', '/api/runs/:id/events', runEvents);
route('POST', '/api/runs/:id/cancel', (app, { params }) => app.runs.cancel(params[0]));
route('GET', '/api/runs/:id/files/:name', (app, { res, params }) => {
  const file = app.history.runFile(params[0], params[1]);
  const type = params[1].endsWith('.json') ? 'application/json' : 'application/x-ndjson';
  sendFile(res, file, type, `${params[0]}-${params[1]}`);
});

/** Answers an API request; returns false when no route matches the path. */
export async function handleApi(
  app: ConsoleApp,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  csrf: string
): Promise<boolean> {
  for (const r of routes) {
    const match = r.pattern.exec(pathname);
    if (!match || r.method !== req.method) continue;
    const params = match.slice(1).map((p) => decodeURIComponent(p));
    const value = await r.handler(app, { req, res, params, csrf });
    // Handlers that answered themselves (files, events) return undefined.
    if (value !== undefined) sendJson(res, 200, value, app.redactor);
    return true;
  }
  return false;
}
