// Fails a test file whose simulators saw a request that the live incident.io API refuses (README
// "What the simulator models") and that its test did not declare (SimulatorOptions
// expectLiveRuleViolations). Simulators in this test file's process, and in the child processes it
// starts with its environment (runCli, the CLI's `simulator` and `demo`), append such requests to a
// directory of its own, named in that environment. (Jest gives a test file a copy of process.env: a
// child spawned without `env` inherits the run's, and test/global-teardown.js checks that one.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readReported, VIOLATIONS_DIR_ENV } from '../../simulator/src/live-rules';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'incident-io-violations-file-'));
process.env[VIOLATIONS_DIR_ENV] = dir;

afterAll(() => {
  const seen = readReported(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  if (seen.length > 0) {
    const list = seen.map((v) => `  ${v.route} [${v.rule}] ${v.detail}`).join('\n');
    throw new Error(
      `${seen.length} request(s) that the live incident.io API refuses reached a simulator, undeclared:\n${list}`
    );
  }
});
