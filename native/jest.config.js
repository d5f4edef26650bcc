module.exports = {
  ...require('../jest.preset'),
  displayName: 'native',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
};
