export * from './entities';
export { migrations } from './migrations';
export { dataSourceOptions, DEFAULT_POOL } from './data-source-options';
export { runMigrationsOnce, MIGRATION_LOCK_KEY } from './run-migrations';
export type { PoolOptions } from './data-source-options';
export { startEmbeddedPostgres } from './embedded-postgres';
export { PROMPT_CHANGES_CHANNEL } from './prompt-changes';
export type { PromptChange } from './prompt-changes';
export type { EmbeddedPostgresOptions, RunningPostgres } from './embedded-postgres';
