// `npm start`: builds what changed, then runs the API (which starts the embedded Postgres when
// DATABASE_URL is unset) and the admin UI. Ctrl-C stops both cleanly. `--api-only` skips the UI.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from './build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const apiOnly = process.argv.includes('--api-only');

await build({ admin: !apiOnly }).catch((err) => {
  console.error(`Build failed: ${err.message}`);
  process.exit(1);
});

const children = new Map();
let stopping = false;

function launch(name, cmd, args, options) {
  const child = spawn(cmd, args, { stdio: 'inherit', ...options });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping`);
      stop(code || 1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  return child;
}

function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children.values()) child.kill('SIGTERM');
  if (children.size === 0) process.exit(code);
  // Whatever still runs 20 s after the API's drain deadline (in-flight generations may run that
  // long, DRAIN_TIMEOUT_MS) is killed, so Ctrl-C never hangs.
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(code);
  }, drainTimeoutMs() + 20_000).unref();
}

function drainTimeoutMs() {
  const ms = Number(process.env.DRAIN_TIMEOUT_MS || 30_000);
  return Number.isInteger(ms) && ms >= 0 ? ms : 30_000;
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const port = process.env.PORT ?? '3000';
launch('api', process.execPath, [join(root, 'apps/api/dist/main.js')], { cwd: root });
if (!apiOnly) {
  const adminPort = process.env.ADMIN_UI_PORT ?? '3001';
  const nextBin = join(root, 'node_modules/next/dist/bin/next');
  launch('admin', process.execPath, [nextBin, 'start', '-p', adminPort], {
    cwd: join(root, 'apps/admin'),
    env: { ...process.env, API_URL: process.env.API_URL ?? `http://127.0.0.1:${port}`, NEXT_TELEMETRY_DISABLED: '1' },
  });
  console.log(`Admin UI on http://localhost:${adminPort}`);
}
