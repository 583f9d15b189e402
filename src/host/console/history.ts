// What the console keeps in the credential store's folder, beside (never inside) the store: the runs it
// started (console/runs.json, and each run's files under console/runs/<id>/) and when each credential
// was last checked (console/checks.json). No key or other secret is ever written here.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConnectorError } from '../../errors';
import { writeFileAtomic } from '../atomic-file';
import type { CredentialCheck, RunRecord } from './api-types';
import { ConsoleRequestError } from './http-io';

/** The history keeps the latest runs; older ones leave it (their files stay on disk). */
const MAX_RUNS = 500;
const RUN_ID = /^[0-9]{8}T[0-9]{6}-[0-9a-f]{8}$/;
const FILE_NAME = /^[A-Za-z0-9_.-]+$/;

function readJsonOr<T>(file: string, fallback: T): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw new ConnectorError('config', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ConnectorError(
      'config',
      `${file} is not valid JSON; move it away to start a new history (it holds no credential)`
    );
  }
}

export class ConsoleHistory {
  readonly dir: string;
  private readonly runsFile: string;
  private readonly checksFile: string;
  private runs: RunRecord[];

  constructor(storeDir: string) {
    this.dir = path.join(storeDir, 'console');
    this.runsFile = path.join(this.dir, 'runs.json');
    this.checksFile = path.join(this.dir, 'checks.json');
    const saved = readJsonOr<{ runs?: RunRecord[] }>(this.runsFile, {});
    this.runs = Array.isArray(saved.runs) ? saved.runs : [];
    // A run that was going when the console stopped will never finish.
    let changed = false;
    for (const r of this.runs) {
      if (r.status === 'running') {
        r.status = 'incomplete';
        r.message = 'the console stopped during this run';
        changed = true;
      }
    }
    if (changed) this.save();
  }

  newRunId(): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    return `${stamp}-${randomBytes(4).toString('hex')}`;
  }

  /** The folder of a run's files (created on first use). */
  runDir(id: string): string {
    if (!RUN_ID.test(id)) throw new ConsoleRequestError(404, `no run with id "${id}"`);
    const dir = path.join(this.dir, 'runs', id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  /** A file of a run that it lists as downloadable; nothing else under the folder is reachable. */
  runFile(id: string, name: string): string {
    const run = this.get(id);
    if (!FILE_NAME.test(name) || !run.files.includes(name)) {
      throw new ConsoleRequestError(404, `run ${id} has no file "${name}"`);
    }
    return path.join(this.runDir(id), name);
  }

  list(): RunRecord[] {
    return [...this.runs].reverse();
  }

  get(id: string): RunRecord {
    const run = this.runs.find((r) => r.id === id);
    if (!run) throw new ConsoleRequestError(404, `no run with id "${id}"`);
    return run;
  }

  /** Adds or replaces a run record and saves the history. */
  put(run: RunRecord): void {
    const i = this.runs.findIndex((r) => r.id === run.id);
    if (i >= 0) this.runs[i] = run;
    else this.runs.push(run);
    if (this.runs.length > MAX_RUNS) this.runs = this.runs.slice(-MAX_RUNS);
    this.save();
  }

  private save(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.runsFile, `${JSON.stringify({ version: 1, runs: this.runs }, null, 2)}\n`);
  }

  checks(): Record<string, CredentialCheck> {
    return readJsonOr<{ checks?: Record<string, CredentialCheck> }>(this.checksFile, {}).checks ?? {};
  }

  setCheck(name: string, check: CredentialCheck | undefined): void {
    const checks = this.checks();
    if (check) checks[name] = check;
    else delete checks[name];
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(this.checksFile, `${JSON.stringify({ version: 1, checks }, null, 2)}\n`);
  }
}
