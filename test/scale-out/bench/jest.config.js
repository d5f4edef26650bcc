// `npm run bench:scale-out`: the three-replica routing benchmark, on the e2e tests' environment
// (embedded Postgres, built API). Not part of `npm test` (test/jest.config.js matches *.e2e.test.ts).
const e2e = require('../../jest.config');

module.exports = {
  ...e2e,
  displayName: 'bench-scale-out',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.bench.test.ts'],
  testEnvironment: '<rootDir>/../../support/e2e-environment.js',
  globalSetup: '<rootDir>/../../support/global-setup.ts',
  globalTeardown: '<rootDir>/../../support/global-teardown.ts',
  testTimeout: 60 * 60 * 1000,
};
