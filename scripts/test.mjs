// `npm test`: type-checks and builds every TypeScript package (the end-to-end tests boot the
// built API), brings the native build up to date and runs its C++ tests (ctest), then runs every
// workspace's jest project. Exits non-zero on any failure.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from './build.mjs';
import { run } from './run.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeBuild = join(root, 'native/build');

try {
  await build({ admin: true });
  await run('cmake', ['--build', nativeBuild], { cwd: root });
  await run('ctest', ['--test-dir', nativeBuild, '--output-on-failure'], { cwd: root });
  await run(process.execPath, [join(root, 'node_modules/jest/bin/jest.js'), '--ci', ...process.argv.slice(2)], { cwd: root });
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
