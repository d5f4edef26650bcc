// A fresh database with every migration applied and a session LISTENing on one channel: for the
// tests of the migrations' NOTIFY triggers (what a write notifies, and a migration's down() and
// up() again).
import { join } from 'path';
import { Client } from 'pg';

import { createDatabase } from './api-app';

declare const nativeRequire: NodeRequire;
const API_DIST = join(__dirname, '../../apps/api/dist');
const { DataSource } = nativeRequire(nativeRequire.resolve('typeorm', { paths: [API_DIST] }));
const { dataSourceOptions, migrations } = nativeRequire(nativeRequire.resolve('@chunkserve/persistence', { paths: [API_DIST] }));

export type Notification = Record<string, unknown>;

export interface ListeningDatabase {
  query(sql: string, params?: unknown[]): Promise<any>;
  /** The notifications that arrive for what `write` commits. */
  notified(write: () => Promise<unknown>): Promise<Notification[]>;
  /** Runs the migration class `name`'s down(), then `between`, then its up() again. */
  downThenUp(name: string, between: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export async function listeningDatabase(channel: string): Promise<ListeningDatabase> {
  const dataSource = new DataSource(dataSourceOptions(await createDatabase()));
  await dataSource.initialize();
  const listener = new Client({ connectionString: dataSource.options.url });
  await listener.connect();
  const received: Notification[] = [];
  listener.on('notification', (m) => m.channel === channel && received.push(JSON.parse(m.payload!)));
  await listener.query(`LISTEN ${channel}`);
  return {
    query: (sql, params) => dataSource.query(sql, params),
    async notified(write) {
      received.length = 0;
      await write();
      // A round trip on the listening session: notifications committed before it have arrived.
      await listener.query('SELECT 1');
      await new Promise((r) => setTimeout(r, 50));
      return [...received];
    },
    async downThenUp(name, between) {
      const Migration = migrations.find((m: { name: string }) => m.name === name);
      if (!Migration) throw new Error(`no migration ${name}`);
      const runner = dataSource.createQueryRunner();
      try {
        await new Migration().down(runner);
        await between();
        await new Migration().up(runner);
      } finally {
        await runner.release();
      }
    },
    async close() {
      await listener.end();
      await dataSource.destroy();
    },
  };
}

/** The sessions a replica's listener holds (by application_name) on the database at `url`. */
export interface ListenerSessions {
  count(): Promise<number>;
  /** Kills them all (pg_terminate_backend), as a network cut or a database failover would. */
  killAll(): Promise<void>;
  close(): Promise<void>;
}

export async function listenerSessions(url: string, applicationName: string): Promise<ListenerSessions> {
  const admin = new Client({ connectionString: url });
  await admin.connect();
  const mine = `FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`;
  return {
    count: async () => (await admin.query(`SELECT pid ${mine}`, [applicationName])).rows.length,
    killAll: async () => void (await admin.query(`SELECT pg_terminate_backend(pid) ${mine}`, [applicationName])),
    close: () => admin.end(),
  };
}
