// TypeORM options shared by the API and the migration CLI: migrations run at boot (the API runs them
// first under an advisory lock, run-migrations.ts), never synchronize.
import type { DataSourceOptions } from 'typeorm';

import { entities } from './entities';
import { migrations } from './migrations';

/** The connection pool: its size and how long anything may wait on the database. */
export interface PoolOptions {
  /** Connections at most. */
  size: number;
  /** Waiting for a connection (from the pool or a new one) fails after this long. */
  connectTimeoutMs: number;
  /** A statement, and a transaction left idle, is ended by the server after this long. */
  statementTimeoutMs: number;
}

export const DEFAULT_POOL: PoolOptions = { size: 20, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 };

export function dataSourceOptions(url: string, pool: PoolOptions = DEFAULT_POOL): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsRun: true,
    migrationsTableName: 'migrations',
    synchronize: false,
    poolSize: pool.size,
    connectTimeoutMS: pool.connectTimeoutMs,
    extra: {
      statement_timeout: pool.statementTimeoutMs,
      idle_in_transaction_session_timeout: pool.statementTimeoutMs,
    },
  };
}
