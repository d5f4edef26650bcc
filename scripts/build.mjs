// Builds what `npm start` runs: the native addon (if missing), the TypeScript packages and API
// (tsc -b, incremental), and the admin UI (next build, skipped when nothing changed).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { run } from './run.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.next', 'dist'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export async function build({ admin = true } = {}) {
  if (!existsSync(join(root, 'native/build/Release/chunkserve.node'))) {
    await run('npm', ['run', 'build:native'], { cwd: root });
  }
  await run(npx, ['tsc', '-b', 'apps/api'], { cwd: root });
  if (!admin) return;
  const adminDir = join(root, 'apps/admin');
  const buildId = join(adminDir, '.next/BUILD_ID');
  const sources = Math.max(newestMtime(adminDir), newestMtime(join(root, 'libs/contracts/src')));
  if (!existsSync(buildId) || statSync(buildId).mtimeMs < sources) {
    await run(npx, ['next', 'build'], { cwd: adminDir, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  build({ admin: !process.argv.includes('--api-only') }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
