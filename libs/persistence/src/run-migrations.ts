// Runs the pending migrations exactly once however many replicas boot at the same moment on one
// database. Each takes a Postgres advisory lock first (on a session of its own), so the second
// waits for the first and then finds nothing left to do. TypeORM's own `migrationsRun` has no such
// lock: two processes booting together on an empty database both create the same tables and one
// fails on a duplicate key.
import { DataSource } from 'typeorm';

import { dataSourceOptions } from './data-source-options';

/** The advisory lock key of ChunkServe's migrations (any constant of our own). */
export const MIGRATION_LOCK_KEY = 0x43685376; // "ChSv"
/** How long a replica waits for another one's migrations before giving up. */
const LOCK_WAIT_MS = 10 * 60 * 1000;

/** Applies what is pending; resolves with the names of the migrations this call applied. */
export async function runMigrationsOnce(url: string): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions(url, { size: 2, connectTimeoutMs: 5000, statementTimeoutMs: LOCK_WAIT_MS }), migrationsRun: false });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}
