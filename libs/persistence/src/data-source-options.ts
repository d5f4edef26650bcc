// TypeORM options shared by the API and the migration CLI: migrations run at boot, never synchronize.
import type { DataSourceOptions } from 'typeorm';

import { entities } from './entities';
import { migrations } from './migrations';

export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsRun: true,
    migrationsTableName: 'migrations',
    synchronize: false,
  };
}
