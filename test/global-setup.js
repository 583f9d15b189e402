// CLI and packaging tests run the built CLI; build once if `npm test` did not just do it.
// Also names the directory where simulators append the requests the live API refuses
// (test/setup/live-rules.ts): children spawned with this process's environment inherit it, and
// global-teardown.js fails the run when any of them reported one.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const VIOLATIONS_DIR_ENV = 'INCIDENT_IO_SIMULATOR_VIOLATIONS_DIR';

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, '..');
  if (!fs.existsSync(path.join(root, 'dist/host/cli.js'))) {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  process.env[VIOLATIONS_DIR_ENV] = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-io-violations-run-'));
};
