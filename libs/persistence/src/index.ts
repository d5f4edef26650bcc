export * from './entities';
export { migrations } from './migrations';
export { dataSourceOptions } from './data-source-options';
export { startEmbeddedPostgres } from './embedded-postgres';
export type { EmbeddedPostgresOptions, RunningPostgres } from './embedded-postgres';
