// The e2e tests' jest environment. NestJS 12 ships ES modules, which jest's CommonJS module
// registry cannot load, so the tests load the built API (apps/api/dist) through Node's own
// require (require(esm) works on Node >= 20.19), exposed to them as `nativeRequire`.
const { TestEnvironment } = require('jest-environment-node');

class E2eEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.nativeRequire = require;
  }
}

module.exports = E2eEnvironment;
