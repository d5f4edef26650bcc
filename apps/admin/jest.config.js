const preset = require('../../jest.preset');

module.exports = {
  ...preset,
  displayName: 'admin',
  rootDir: __dirname,
  testMatch: ['<rootDir>/lib/**/*.spec.ts'],
};
