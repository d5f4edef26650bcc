// One embedded Postgres cluster and one DATA_DIR (where the demo model is generated once) for the
// whole e2e run; each test file creates its own database in it (see test/support/api-app.ts).
import { chmodSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { startEmbeddedPostgres, type RunningPostgres } from '@chunkserve/persistence';

import { freePort } from './free-port';

declare global {
  // eslint-disable-next-line no-var
  var __E2E_POSTGRES__: RunningPostgres | undefined;
}

export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'chunkserve-e2e-'));
  // The cluster runs as the OS user `postgres` when we are root: it must reach this directory.
  chmodSync(root, 0o755);
  const port = await freePort();
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'postgres'), port, persistent: false });
  globalThis.__E2E_POSTGRES__ = pg;
  process.env.E2E_POSTGRES_URL = pg.url;
  process.env.E2E_DATA_DIR = join(root, 'data');
}
