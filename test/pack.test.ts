// The published package: `npm pack`, install the tarball offline into an empty project, load the plugin
// the way a runtime would (through its manifest, with the reference loader) and probe the in-process
// simulator with it; the bin works from node_modules/.bin.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, Simulator } from '../simulator/src';
import { execFile, makeTempDir, removeTempDir, ROOT, runProcess } from './helpers/cli';

jest.setTimeout(120_000);

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let sim: Simulator;
let tmp: string;
let project: string;
let installed: string;

// Offline: dependencies come from the npm cache `npm ci` filled. That cache holds the tarballs but not
// necessarily the registry metadata an install needs to *resolve* versions (an empty cache before
// `npm ci` has none that `npm install` accepts: ENOTCACHED), so the project gets a lock file and
// `npm ci` fetches nothing but those tarballs.
const npmEnv = {
  ...process.env,
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
};

beforeAll(async () => {
  sim = await startSimulator({ port: 0, incidents: 20, seed: 9 });
  tmp = makeTempDir('incident-io-pack-');
  const pack = await run(NPM, ['pack', '--pack-destination', tmp, '--silent'], {
    cwd: ROOT,
    env: npmEnv,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tgz = path.join(tmp, pack.stdout.trim().split('\n').at(-1)!.trim());
  expect(fs.existsSync(tgz)).toBe(true);

  project = path.join(tmp, 'project');
  fs.mkdirSync(project);
  const { manifest, lock } = projectWithTarball(tgz);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  await run(NPM, ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
    cwd: project,
    env: npmEnv,
    maxBuffer: 16 * 1024 * 1024,
  });
  installed = path.join(project, 'node_modules', 'incident-io-connector');
}, 120_000);

interface LockEntry {
  version?: string;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

/**
 * A project that depends on the tarball, and its lock file: this repository's production dependencies
 * exactly as our package-lock.json pins them (same tree, versions, integrity), plus the tarball itself
 * as a `file:` dependency.
 */
function projectWithTarball(tgz: string) {
  const ours = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const root = ours.packages[''];
  const spec = `file:${path.relative(project, tgz)}`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'pack-test-project', version: '1.0.0', dependencies: { 'incident-io-connector': spec } },
    'node_modules/incident-io-connector': {
      version: root.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(fs.readFileSync(tgz)).digest('base64')}`,
      license: root.license,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const [where, entry] of Object.entries(ours.packages)) {
    if (where === '' || entry.dev) continue;
    // Needed in production here, whatever else needs it in ours.
    packages[where] = { ...entry, devOptional: undefined };
  }
  const manifest = {
    name: 'pack-test-project',
    version: '1.0.0',
    private: true,
    dependencies: { 'incident-io-connector': spec },
  };
  const lock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages,
  };
  return { manifest, lock };
}

afterAll(async () => {
  await sim?.close();
  removeTempDir(tmp);
});

describe('the packed package', () => {
  it('contains the manifest, the schemas and the built code, and nothing of the sources or tests', () => {
    const files = fs.readdirSync(installed).sort();
    expect(files).toEqual(
      expect.arrayContaining(['connector.manifest.json', 'dist', 'package.json', 'schemas'])
    );
    expect(files).not.toContain('src');
    expect(files).not.toContain('test');
    expect(files).not.toContain('node_modules');
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'connector.manifest.json'), 'utf8')) as {
      entry: string;
      logo: string;
      credentialTypes: Array<{ schema: string }>;
      source: { configSchema: string; streams: Array<{ schema: string }> };
      destination: { configSchema: string; actions: Array<{ input: string }> };
    };
    // Every file the manifest points at is in the package.
    const referenced = [
      manifest.entry,
      manifest.logo,
      ...manifest.credentialTypes.map((c) => c.schema),
      manifest.source.configSchema,
      ...manifest.source.streams.map((s) => s.schema),
      manifest.destination.configSchema,
      ...manifest.destination.actions.map((a) => a.input),
      'schemas/manifest.schema.json',
      'dist/host/cli.js',
      'dist/host/index.js',
      'dist/index.d.ts',
      // The web console's built UI (npm run build bundles it; nothing is fetched at run time).
      'dist/console/index.html',
    ];
    for (const f of referenced)
      expect({ f, exists: fs.existsSync(path.join(installed, f)) }).toEqual({ f, exists: true });
  });

  it('loads through the reference loader and authenticates against the simulator', async () => {
    const script = `
      const { loadPlugin } = require('incident-io-connector/host');
      const { plugin, manifest } = loadPlugin('node_modules/incident-io-connector');
      const credential = plugin.validateCredential({
        api_key: process.env.TEST_API_KEY,
        base_url: process.env.TEST_BASE_URL,
      });
      plugin.authenticate(credential).then(
        (probe) => {
          process.stdout.write(JSON.stringify({ id: manifest.id, ok: probe.ok, identity: probe.identity }) + '\\n');
        },
        (e) => { console.error(e); process.exitCode = 1; }
      );
    `;
    const r = await runProcess(process.execPath, ['-e', script], {
      cwd: project,
      env: { TEST_API_KEY: sim.apiKey, TEST_BASE_URL: sim.url, NODE_PATH: undefined },
      timeoutMs: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      id: string;
      ok: boolean;
      identity: { name: string; roles: string[] };
    };
    expect(out).toMatchObject({
      id: 'incident_io_api',
      ok: true,
      identity: { name: 'Simulator default key' },
    });
    expect(out.identity.roles).toContain('viewer');
    // The package resolved from the project, not from this repository.
    const resolved = await runProcess(
      process.execPath,
      ['-p', "require.resolve('incident-io-connector/host')"],
      {
        cwd: project,
      }
    );
    expect(resolved.stdout.trim().startsWith(fs.realpathSync(project))).toBe(true);
  });

  it('has a working bin', async () => {
    const bin = path.join(project, 'node_modules', '.bin', 'incident-io-connector');
    expect(fs.existsSync(bin)).toBe(true);
    const spec = await runProcess(bin, ['spec'], { cwd: project, timeoutMs: 30_000 });
    expect(spec.code).toBe(0);
    const parsed = JSON.parse(spec.stdout) as { manifest: { id: string }; credential: { type: string } };
    expect(parsed.manifest.id).toBe('incident_io_api');
    expect(parsed.credential.type).toBe('object');

    const home = path.join(tmp, 'home');
    const check = await runProcess(bin, ['check'], {
      cwd: project,
      timeoutMs: 30_000,
      env: {
        INCIDENT_IO_CONNECTOR_HOME: home,
        INCIDENT_IO_API_KEY: sim.apiKey,
        INCIDENT_IO_BASE_URL: sim.url,
      },
    });
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true });
  });
});
