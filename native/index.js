'use strict';
// Loads the compiled addon. ENGINE_DEVICE is read by the addon itself.
const path = require('path');
const candidates = [
  path.join(__dirname, 'build', 'Release', 'chunkserve.node'),
  path.join(__dirname, 'build', 'Debug', 'chunkserve.node'),
];
let lastError;
for (const file of candidates) {
  try {
    module.exports = require(file);
    return;
  } catch (err) {
    lastError = err;
    if (err && err.code !== 'MODULE_NOT_FOUND') throw err;
  }
}
throw new Error(
  `ChunkServe native addon not found (looked in ${candidates.join(', ')}). ` +
    `Run "npm run build:native" from the repository root. Cause: ${lastError && lastError.message}`,
);
