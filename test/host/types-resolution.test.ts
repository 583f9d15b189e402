// `incident-io-connector/host` (and /simulator) resolve to their types under every moduleResolution a
// TypeScript consumer may use: node16 and bundler read package.json "exports", the classic `node`
// (node10) reads "typesVersions". A tiny consumer is compiled against this package, linked in as
// node_modules/incident-io-connector (its built dist/, as published).
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir, ROOT, runProcess } from '../helpers/cli';

const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

let project: string;
beforeAll(() => {
  project = makeTempDir('incident-io-types-');
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(project, 'node_modules/incident-io-connector'), 'dir');
  fs.writeFileSync(
    path.join(project, 'consumer.ts'),
    [
      "import plugin from 'incident-io-connector';",
      "import { CredentialStore, loadPlugin, type StoredCredentialInfo } from 'incident-io-connector/host';",
      "import { startSimulator } from 'incident-io-connector/simulator';",
      "const loaded: ReturnType<typeof loadPlugin> = loadPlugin('.');",
      "const list: StoredCredentialInfo[] = new CredentialStore('/tmp').list();",
      'export { plugin, loaded, list, startSimulator };',
      '',
    ].join('\n')
  );
});
afterAll(() => removeTempDir(project));

it.each([
  ['node', 'commonjs'],
  ['node16', 'node16'],
  ['bundler', 'esnext'],
])('compiles a consumer under moduleResolution %s', async (moduleResolution, module) => {
  const r = await runProcess(
    process.execPath,
    [
      TSC,
      '--noEmit',
      '--strict',
      '--esModuleInterop',
      '--skipLibCheck',
      '--moduleResolution',
      moduleResolution,
      '--module',
      module,
      '--types',
      'node',
      '--typeRoots',
      path.join(ROOT, 'node_modules/@types'),
      'consumer.ts',
    ],
    { cwd: project, timeoutMs: 60_000 }
  );
  expect({ moduleResolution, output: r.stdout + r.stderr, code: r.code }).toEqual({
    moduleResolution,
    output: '',
    code: 0,
  });
});
