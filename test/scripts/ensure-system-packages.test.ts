// scripts/ensure-system-packages.sh (run by `npm test` first, and by .ci/run): silent when the commands
// the tests need are present, installs the missing ones with apt-get as root, and otherwise fails
// saying what to install. Run against stub `id` and `apt-get` on a PATH of their own, so the test
// neither needs root nor touches the system.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, removeTempDir, ROOT, runProcess } from '../helpers/cli';

const SCRIPT = path.join(ROOT, 'scripts/ensure-system-packages.sh');
const which = (cmd: string) => execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
const BASH = which('bash');
const CHMOD = which('chmod');
// The script's own list, so that adding a package (chromium) needs no change here.
const PACKAGES = /^PACKAGES=\(([^)]*)\)/m.exec(fs.readFileSync(SCRIPT, 'utf8'))![1].trim().split(/\s+/);

let bin: string;
let log: string;

function stub(name: string, body: string): void {
  fs.writeFileSync(path.join(bin, name), `#!${BASH}\n${body}\n`, { mode: 0o755 });
}

/** A stub apt-get that logs its arguments and "installs" a package by putting its command on PATH. */
function aptGet(exitCode = 0): void {
  stub(
    'apt-get',
    [
      `echo "$*" >> '${log}'`,
      `[ ${exitCode} = 0 ] || exit ${exitCode}`,
      'if [ "$1" = install ]; then',
      '  for a in "$@"; do case "$a" in install|-*) ;; *)',
      `    printf '#!${BASH}\\nexit 0\\n' > '${bin}/'"$a"; ${CHMOD} +x '${bin}/'"$a";;`,
      '  esac; done',
      'fi',
    ].join('\n')
  );
}

function run(uid: number) {
  stub('id', `echo ${uid}`);
  return runProcess(BASH, [SCRIPT], { env: { PATH: bin }, timeoutMs: 10_000 });
}

const aptCalls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

beforeEach(() => {
  bin = makeTempDir('incident-io-ensure-bin-');
  log = path.join(bin, '..', `${path.basename(bin)}.apt.log`);
});
afterEach(() => {
  fs.rmSync(log, { force: true });
  removeTempDir(bin);
});

describe('ensure-system-packages.sh', () => {
  it('needs redis-server for the Redis-mode tests', () => {
    expect(PACKAGES).toContain('redis-server');
  });

  it('does nothing and says nothing when every command is there', async () => {
    for (const p of PACKAGES) stub(p, 'exit 0');
    aptGet();
    const r = await run(0);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(aptCalls()).toEqual([]);
  });

  it('as root with apt-get: updates the package lists, then installs what is missing', async () => {
    aptGet();
    const r = await run(0);
    expect(r.code).toBe(0);
    expect(aptCalls()).toEqual(['update -qq', `install -y -qq ${PACKAGES.join(' ')}`]);
    for (const p of PACKAGES) expect(fs.existsSync(path.join(bin, p))).toBe(true);
  });

  it('fails when apt-get fails', async () => {
    aptGet(100);
    const r = await run(0);
    expect(r.code).not.toBe(0);
    expect(aptCalls()).toEqual(['update -qq']);
  });

  it('not root: installs nothing and says exactly what to install', async () => {
    aptGet();
    const r = await run(1000);
    expect(r.code).toBe(1);
    expect(aptCalls()).toEqual([]);
    expect(r.stderr).toContain(`npm test needs these commands on PATH: ${PACKAGES.join(' ')}`);
    expect(r.stderr).toContain(`sudo apt-get install -y ${PACKAGES.join(' ')}`);
  });

  it('root without apt-get (not Debian): says what to install', async () => {
    const r = await run(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`sudo apt-get install -y ${PACKAGES.join(' ')}`);
  });
});
