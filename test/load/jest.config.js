// `npm run test:load`: the load test, on the e2e tests' environment (embedded Postgres, built API).
// Not part of `npm test` (test/jest.config.js matches *.e2e.test.ts only).
const e2e = require('../jest.config');

module.exports = {
  ...e2e,
  displayName: 'load',
  rootDir: __dirname,
  testMatch: ['<rootDir>/**/*.load.test.ts'],
  testEnvironment: '<rootDir>/../support/e2e-environment.js',
  globalSetup: '<rootDir>/../support/global-setup.ts',
  globalTeardown: '<rootDir>/../support/global-teardown.ts',
  testTimeout: 15 * 60 * 1000,
};
