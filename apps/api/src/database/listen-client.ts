// A new `pg` client for a ChannelListener: the driver TypeORM loaded, the app's connection settings,
// and an application_name that names the listener in pg_stat_activity. LISTEN lives with one
// session, so each listener has a dedicated connection rather than a pool's borrowed one.
import type { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';

import type { ListenClient } from './channel-listener';

export function newListenClient(dataSource: DataSource, applicationName: string): ListenClient {
  const { Client } = (dataSource.driver as unknown as { postgres: { Client: new (config: object) => ListenClient } }).postgres;
  const options = dataSource.options as PostgresDataSourceOptions;
  return new Client({
    connectionString: options.url,
    host: options.host,
    port: options.port,
    user: options.username,
    password: options.password,
    database: options.database,
    ssl: options.ssl,
    connectionTimeoutMillis: options.connectTimeoutMS,
    // A peer that vanished without closing the connection is noticed by TCP keepalive.
    keepAlive: true,
    application_name: applicationName,
  });
}
