// Shared jest settings for every workspace: TypeScript through ts-jest (transpile only, the
// type check is `npm run build`), and the libs resolved from source.
const path = require('path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: path.join(root, 'tsconfig.json'), diagnostics: false }],
  },
  setupFilesAfterEnv: [path.join(root, 'jest.timeout.js')],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
  moduleNameMapper: {
    '^@chunkserve/(engine|persistence|contracts)$': path.join(root, 'libs/$1/src'),
  },
};
