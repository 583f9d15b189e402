// The gate of test/setup/live-rules.ts: a request that the live API refuses and that its test did not
// declare fails the test file that sent it, from an in-process simulator or one in a child process,
// although every test in it passed; a declared one does not. Run on fixtures by a jest of their own.
import path from 'node:path';
import { ROOT, runProcess } from '../helpers/cli';

test('undeclared live-rule violations fail their test file; declared ones do not', async () => {
  const config = {
    rootDir: ROOT,
    preset: 'ts-jest',
    testEnvironment: 'node',
    // As the suite's own: starting a CLI simulator can take seconds on a loaded machine.
    testTimeout: 60_000,
    roots: ['<rootDir>/test/fixtures/live-rules'],
    testMatch: ['**/*.fixture.ts'],
    globalSetup: '<rootDir>/test/global-setup.js',
    globalTeardown: '<rootDir>/test/global-teardown.js',
    setupFilesAfterEnv: ['<rootDir>/test/setup/live-rules.ts'],
  };
  const r = await runProcess(
    process.execPath,
    [path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', JSON.stringify(config), '--runInBand'],
    { timeoutMs: 120_000 }
  );
  const output = r.stderr + r.stdout;
  expect(r.code).toBe(1);
  expect(output).toMatch(/FAIL .*in-process\.fixture\.ts/);
  expect(output).toMatch(/FAIL .*child-process\.fixture\.ts/);
  expect(output).toMatch(/PASS .*declared\.fixture\.ts/);
  expect(output).toMatch(/GET \/v2\/incidents \[one_time_operator_per_field\]/);
  // The child started without the file's environment: the run's teardown reports it.
  expect(output).toMatch(
    /1 request\(s\) that the live incident.io API refuses reached a simulator in a child process/
  );
  // Every test passed: the files and the run failed on the gate alone.
  expect(output).toMatch(/Tests: +4 passed, 4 total/);
});
