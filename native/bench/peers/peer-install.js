// Installs node-llama-cpp (pinned) on demand into a scratch folder outside the workspaces, never
// through `npm ci` or package-lock.json, and imports it. Its install script is not run: with
// `build: "never"` it uses the prebuilt llama.cpp binary of its platform package, so only that
// one optional package is installed (the others, CUDA and Vulkan builds, are ~650 MB).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { pathToFileURL } = require('url');

const PEER_VERSION = '3.21.1';

/** node-llama-cpp's prebuilt CPU binary package for this machine, when it ships one. */
function platformPackage() {
  const os = { linux: 'linux', darwin: 'mac', win32: 'win' }[process.platform];
  const arch = process.platform === 'darwin' && process.arch === 'arm64' ? 'arm64-metal' : process.arch;
  return os && ['x64', 'arm64', 'arm64-metal', 'armv7l'].includes(arch) ? `@node-llama-cpp/${os}-${arch}` : null;
}

function installedVersion(dir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/node-llama-cpp/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Installs node-llama-cpp@PEER_VERSION into dir unless it is there; returns the imported module. */
async function loadPeer(dir, log = console.error) {
  if (installedVersion(dir) !== PEER_VERSION) {
    fs.mkdirSync(dir, { recursive: true });
    const binary = platformPackage();
    const packages = [`node-llama-cpp@${PEER_VERSION}`, ...(binary ? [`${binary}@${PEER_VERSION}`] : [])];
    const args = ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', ...(binary ? ['--omit=optional'] : []), ...packages];
    log(`installing ${packages.join(' ')} into ${dir}`);
    execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { stdio: ['ignore', 2, 2] }); // stdout carries the results
  }
  return import(pathToFileURL(path.join(dir, 'node_modules/node-llama-cpp/dist/index.js')).href);
}

module.exports = { loadPeer, PEER_VERSION };
