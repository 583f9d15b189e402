// Runs the built CLI as a child process (asynchronously, so an in-process simulator keeps serving).
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/src';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/host/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The exact bytes the child wrote, for byte-level searches (e.g. the secret canary). */
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  /** The signal that ended the child, when one did (e.g. the timeout below). */
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  /** The child is killed (SIGKILL) after this long, so a hang fails the test instead of stalling it. */
  timeoutMs?: number;
  /** Send the child's stdout straight into this file (as `> file` would) instead of a pipe. */
  stdoutFile?: string;
}

/** Fast retries and short deadlines so failure paths finish quickly in tests. */
export const FAST_HTTP_ENV = {
  INCIDENT_IO_CONNECTOR_MAX_RETRIES: '2',
  INCIDENT_IO_CONNECTOR_BACKOFF_MS: '20',
  INCIDENT_IO_CONNECTOR_TIMEOUT_MS: '2000',
};

/** Runs `file args` with process.env overlaid by opts.env (an undefined value removes the variable). */
export function runProcess(file: string, args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const outFd = opts.stdoutFile === undefined ? undefined : fs.openSync(opts.stdoutFile, 'w', 0o600);
    const child = spawn(file, args, {
      env: env as NodeJS.ProcessEnv,
      cwd: opts.cwd ?? ROOT,
      stdio: ['pipe', outFd ?? 'pipe', 'pipe'],
    });
    if (outFd !== undefined) fs.closeSync(outFd);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // With stdoutFile, the file holds what the child printed.
      const stdoutBytes =
        opts.stdoutFile === undefined ? Buffer.concat(out) : fs.readFileSync(opts.stdoutFile);
      const stderrBytes = Buffer.concat(err);
      resolve({
        code: code ?? -1,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: stderrBytes.toString('utf8'),
        stdoutBytes,
        stderrBytes,
      });
    });
    // The child may exit before reading its stdin; that is not an error of the test.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], opts);
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A fresh directory under the OS temp dir; remove it with removeTempDir. */
export function makeTempDir(prefix = 'incident-io-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** Every regular file under dir (recursively), with its bytes. */
export function readAllFiles(dir: string): Array<{ file: string; bytes: Buffer }> {
  const out: Array<{ file: string; bytes: Buffer }> = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...readAllFiles(full));
    else if (entry.isFile()) out.push({ file: full, bytes: fs.readFileSync(full) });
  }
  return out;
}

export { execFile };

// ---- The secret canary (docs/ARCHITECTURE.md "Secrets"), shared by test/host/canary.test.ts and
// ---- test/host/cli-canary-faults.test.ts.

/** Every form in which a key could leak: clear, base64, base64url, hex, UTF-16, any 16-char slice. */
export function secretForms(key: string): Array<[string, Buffer]> {
  const raw = Buffer.from(key, 'utf8');
  const forms: Array<[string, Buffer]> = [
    ['the key', raw],
    ['the key in base64', Buffer.from(raw.toString('base64').replace(/=+$/, ''))],
    ['the key in base64url', Buffer.from(raw.toString('base64url'))],
    ['the key in hex', Buffer.from(raw.toString('hex'))],
    ['the key in UTF-16', Buffer.from(key, 'utf16le')],
  ];
  for (let i = 0; i + 16 <= key.length; i++) forms.push(['a slice of the key', raw.subarray(i, i + 16)]);
  return forms;
}

/**
 * Which forms of the key `bytes` contain. The host redacts what it prints as a last line of defence,
 * so "[REDACTED]" counts too: it means the plugin leaked the key and the host hid it.
 */
export function findLeaks(bytes: Buffer, forms: Array<[string, Buffer]>): string[] {
  const found = new Set<string>();
  for (const [name, form] of forms) if (bytes.includes(form)) found.add(name);
  if (bytes.includes('[REDACTED]')) found.add('[REDACTED] (the host had to hide a leaked key)');
  return [...found];
}

export interface CanaryHarness {
  readonly key: string;
  readonly roles: string[];
  readonly sim: Simulator;
  readonly home: string;
  readonly tmp: string;
  /** CLI runs so far in this file. */
  readonly runs: number;
  readonly writeInput: string;
  expectNoLeak(where: string, bytes: Buffer): void;
  /** The canary key in the environment, this test's store, fast retries. */
  env(extra?: Record<string, string | undefined>, target?: Simulator): Record<string, string | undefined>;
  /** The key only in the store: commands take it with --credential. */
  storeOnly(target?: Simulator): Record<string, string | undefined>;
  /** Runs the CLI and checks both of its output streams for the key. */
  run(args: string[], opts?: RunOptions): Promise<CliResult>;
  saveCredential(name?: string, target?: Simulator): Promise<void>;
  /** The write input (2 valid records, 1 unknown severity, 1 line of not JSON) in a file. */
  inputFile(): string;
  /** `read --stream incidents --state-file <a new file in tmp>`. */
  readArgs(): string[];
  recordCount(r: CliResult): number;
}

/**
 * Registers the hooks of a canary test file: a simulator knowing the canary key, a fresh store and temp
 * dir per test, and after each test a byte search of every file left in them.
 */
export function setupCanary(
  simOptions: Pick<SimulatorOptions, 'incidents' | 'seed' | 'latencyMs' | 'jitter'> = {}
): CanaryHarness {
  const key = `inc_canary_${randomBytes(20).toString('hex')}`;
  const roles = ['viewer', 'incident_creator'];
  const forms = secretForms(key);
  let sim: Simulator;
  let home = '';
  let tmp = '';
  let runs = 0;
  let stateFiles = 0;
  const writeInput =
    [
      { name: 'Canary checkout down', severity: 'Major', status: 'Investigating', mode: 'test' },
      { name: 'Canary login slow', severity: 'Minor', summary: 'slow logins', mode: 'test' },
      { name: 'Canary bad severity', severity: 'Apocalyptic' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\nnot json\n';

  const expectNoLeak = (where: string, bytes: Buffer): void => {
    expect({ where, leaks: findLeaks(bytes, forms) }).toEqual({ where, leaks: [] });
  };

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      ...simOptions,
      incidents: simOptions.incidents ?? 300,
      seed: simOptions.seed ?? 5,
      keys: [{ key, name: 'Canary key', roles }],
    });
  });
  afterAll(async () => {
    await sim?.close();
  });
  beforeEach(() => {
    home = makeTempDir('incident-io-canary-home-');
    tmp = makeTempDir('incident-io-canary-tmp-');
    sim.clearFaults();
    sim.resetStats();
    sim.addKey({ key, name: 'Canary key', roles }); // a test may have revoked it
  });
  afterEach(() => {
    try {
      // Every file a test left behind: the credential store, state files, result files.
      for (const dir of [home, tmp]) {
        for (const { file, bytes } of readAllFiles(dir)) expectNoLeak(file, bytes);
      }
    } finally {
      removeTempDir(home);
      removeTempDir(tmp);
    }
  });

  const h: CanaryHarness = {
    key,
    roles,
    get sim() {
      return sim;
    },
    get home() {
      return home;
    },
    get tmp() {
      return tmp;
    },
    get runs() {
      return runs;
    },
    writeInput,
    expectNoLeak,
    env(extra = {}, target = sim) {
      return {
        ...FAST_HTTP_ENV,
        INCIDENT_IO_CONNECTOR_HOME: home,
        INCIDENT_IO_API_KEY: key,
        INCIDENT_IO_BASE_URL: target.url,
        INCIDENT_IO_CONNECTOR_DEBUG: undefined,
        ...extra,
      };
    },
    storeOnly(target = sim) {
      return h.env({ INCIDENT_IO_API_KEY: undefined, INCIDENT_IO_BASE_URL: undefined }, target);
    },
    async run(args, opts = {}) {
      runs++;
      const r = await runCli(args, opts);
      const label = `incident-io-connector ${args.join(' ')}`;
      expect({ label, signal: r.signal }).toEqual({ label, signal: null });
      expectNoLeak(`stdout of ${label}`, r.stdoutBytes);
      expectNoLeak(`stderr of ${label}`, r.stderrBytes);
      return r;
    },
    async saveCredential(name = 'canary', target = sim) {
      const add = await h.run(['credentials', 'add', '--name', name, '--description', 'canary key'], {
        env: h.env({}, target),
      });
      expect(add.code).toBe(0);
    },
    inputFile() {
      const file = path.join(tmp, 'input.jsonl');
      fs.writeFileSync(file, writeInput);
      return file;
    },
    readArgs() {
      const stateFile = path.join(tmp, 'state', `incidents-${++stateFiles}.state.json`);
      fs.mkdirSync(path.dirname(stateFile), { recursive: true });
      return ['read', '--stream', 'incidents', '--state-file', stateFile];
    },
    recordCount(r) {
      return jsonLines(r.stdout).filter((l) => l.type === 'record').length;
    },
  };
  return h;
}
