// Every workspace with a jest.config.js is a project of `npm test`.
const { existsSync } = require('fs');
const path = require('path');

const candidates = ['native', 'apps/api', 'apps/admin', 'test'];
const libs = require('fs').readdirSync(path.join(__dirname, 'libs')).map((d) => `libs/${d}`);
const projects = [...candidates.slice(0, 1), ...libs, ...candidates.slice(1)]
  .filter((dir) => existsSync(path.join(__dirname, dir, 'jest.config.js')))
  .map((dir) => `<rootDir>/${dir}`);

module.exports = { projects };
