const preset = require('../../jest.preset');

module.exports = {
  ...preset,
  displayName: 'api',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // NestJS 12 and a few of its dependencies are ES modules: transformed to CommonJS for jest.
  transform: { ...preset.transform, '^.+\\.m?js$': '<rootDir>/jest/esm-to-commonjs.js' },
  transformIgnorePatterns: [],
  // Every mock starts afresh in each test (specs build their mocks once per file), spies undone.
  resetMocks: true,
  restoreMocks: true,
};
