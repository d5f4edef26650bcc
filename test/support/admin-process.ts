// Runs the built admin UI (next start) as a child process.
import { spawn } from 'child_process';
import { join } from 'path';

import type { WatchedProcess } from './api-process';

export interface AdminProcess extends WatchedProcess {
  stop(): Promise<void>;
}

export function spawnAdmin(port: number, apiUrl: string): AdminProcess {
  const nextBin = join(__dirname, '../../node_modules/next/dist/bin/next');
  const child = spawn(process.execPath, [nextBin, 'start', '-p', String(port)], {
    cwd: join(__dirname, '../../apps/admin'),
    env: { ...process.env, API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
