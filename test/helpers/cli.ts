// Runs the built CLI as a child process (asynchronously, so an in-process simulator keeps serving).
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/host/cli.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Fast retries and short deadlines so failure paths finish quickly in tests. */
export const FAST_HTTP_ENV = {
  INCIDENT_IO_CONNECTOR_MAX_RETRIES: '2',
  INCIDENT_IO_CONNECTOR_BACKOFF_MS: '20',
  INCIDENT_IO_CONNECTOR_TIMEOUT_MS: '2000',
};

export function runCli(
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string } = {}
): Promise<CliResult> {
  return new Promise((resolve) => {
    const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [CLI, ...args], { env: env as NodeJS.ProcessEnv, cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export { execFile };
