/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/global-setup.js',
  globalTeardown: '<rootDir>/test/global-teardown.js',
  // Fails a test file whose simulators saw a request the live API refuses (test/setup/live-rules.ts).
  setupFilesAfterEnv: ['<rootDir>/test/setup/live-rules.ts'],
  // The CLI imports the simulator by its package name (it is its own project, simulator/).
  moduleNameMapper: { '^incident-io-connector/simulator$': '<rootDir>/simulator/src' },
  testTimeout: 60000,
  maxWorkers: 2,
};
