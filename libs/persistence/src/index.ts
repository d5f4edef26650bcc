export * from './entities';
export { migrations } from './migrations';
export { dataSourceOptions, DEFAULT_POOL } from './data-source-options';
export type { PoolOptions } from './data-source-options';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedPostgresOptions, RunningPostgres } from './embedded-postgres';
