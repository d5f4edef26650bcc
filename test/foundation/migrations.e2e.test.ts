// Replicas booting together on one empty database: the migrations run once, under an advisory
// lock, and every replica boots. (TypeORM's migrationsRun alone lets two processes create the same
// tables at once, and one of them fails on a duplicate key.)
import { join } from 'path';
import { Client } from 'pg';

import { createDatabase, startApi, waitReady } from '../support/api-app';

declare const nativeRequire: NodeRequire;
const API_DIST = join(__dirname, '../../apps/api/dist');
const { migrations, runMigrationsOnce } = nativeRequire(nativeRequire.resolve('@chunkserve/persistence', { paths: [API_DIST] }));

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT name FROM migrations ORDER BY id')).rows.map((r: { name: string }) => r.name);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  it('four concurrent runs on an empty database apply each migration exactly once', async () => {
    const url = await createDatabase();
    const applied: string[][] = await Promise.all([1, 2, 3, 4].map(() => runMigrationsOnce(url)));
    const all = migrations.map((m: { name: string }) => m.name);
    // One run applied everything, the others found nothing pending.
    expect(applied.map((names) => names.length).sort((a, b) => a - b)).toEqual([0, 0, 0, all.length]);
    expect(await appliedMigrations(url)).toEqual(all);
    expect(await runMigrationsOnce(url)).toEqual([]);
  });

  it('three API replicas booting at once on an empty database all become ready', async () => {
    const databaseUrl = await createDatabase();
    const replicas = await Promise.all([1, 2, 3].map(() => startApi({ databaseUrl, waitReady: false })));
    try {
      await Promise.all(replicas.map((r) => waitReady(r.url)));
      expect(await appliedMigrations(databaseUrl)).toHaveLength(migrations.length);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });
});
