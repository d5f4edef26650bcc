const path = require('path');
const preset = require('../../jest.preset');
module.exports = {
  ...preset,
  displayName: 'engine',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/src/**/*.spec.ts'],
  // This checkout's addon (a git worktree shares node_modules, and so @chunkserve/native, with
  // the main checkout).
  moduleNameMapper: { ...preset.moduleNameMapper, '^@chunkserve/native$': path.join(__dirname, '../../native') },
};
