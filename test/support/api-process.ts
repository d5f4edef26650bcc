// Runs the built API (apps/api/dist/main.js) as a real child process, as `npm start` does.
import { ChildProcess, spawn } from 'child_process';
import { join } from 'path';

export const API_MAIN = join(__dirname, '../../apps/api/dist/main.js');

/** A child process whose output is collected. */
export interface WatchedProcess {
  child: ChildProcess;
  output: () => string;
}

export interface ApiProcess extends WatchedProcess {
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnApi(env: Record<string, string>): ApiProcess {
  const clean = { ...process.env };
  delete clean.DATABASE_URL;
  delete clean.ADMIN_TOKEN;
  const child = spawn(process.execPath, [API_MAIN], { env: { ...clean, LOG_LEVEL: 'warn', ...env } });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls url until it answers with `status`, or fails after timeoutMs with the process output. */
export async function waitForStatus(url: string, status: number, proc: WatchedProcess, timeoutMs = 90_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited with ${proc.child.exitCode}:\n${proc.output()}`);
    try {
      const res = await fetch(url);
      if (res.status === status) return res;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms:\n${proc.output()}`);
}
