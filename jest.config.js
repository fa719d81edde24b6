/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  // Types are checked once by `tsc --noEmit` in `npm test`; jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
};

module.exports = {
  // A global option: jest ignores it inside a project.
  testTimeout: 60000,
  // A handle a test leaves open (an idle pool client, a keep-alive socket) must never keep the
  // run from ending: CI once timed out after every test had passed. The integration teardown
  // names what was left (test/support/global-teardown.ts).
  forceExit: true,
  // Per-file durations, slowest first, after the usual summary.
  reporters: ['default', '<rootDir>/test/support/durations-reporter.js'],
  projects: [
    // Pure code: no database, run in parallel (`npm run test:unit`).
    { ...common, displayName: 'unit', rootDir: __dirname, roots: ['<rootDir>/test/unit'], testMatch: ['**/*.test.ts'] },
    // The real stack over the real databases (started once by global-setup), run in band.
    {
      ...common,
      displayName: 'integration',
      rootDir: __dirname,
      roots: ['<rootDir>/test/api', '<rootDir>/test/contract', '<rootDir>/test/interop', '<rootDir>/test/faults'],
      testMatch: ['**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
