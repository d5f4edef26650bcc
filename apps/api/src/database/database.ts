// Where the API's database lives: DATABASE_URL when set, else an embedded Postgres under DATA_DIR.
import { join } from 'path';

import { startEmbeddedPostgres } from '@chunkserve/persistence';

import type { Environment } from '../config/environment';

export interface DatabaseHandle {
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(env: Environment, log: (msg: string) => void): Promise<DatabaseHandle> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, close: async () => undefined };

  const dataDir = join(env.DATA_DIR, 'postgres');
  log(`DATABASE_URL is unset: starting the embedded Postgres in ${dataDir} on port ${env.EMBEDDED_PG_PORT}`);
  const pg = await startEmbeddedPostgres({ dataDir, port: env.EMBEDDED_PG_PORT, persistent: true, onNotice: log });
  return { url: pg.url, embedded: true, close: () => pg.stop() };
}
