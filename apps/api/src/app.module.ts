import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { dataSourceOptions } from '@chunkserve/persistence';

import { validateEnvironment, type Environment } from './config/environment';
import { EngineModule } from './engine/engine.module';
import { HealthModule } from './health/health.module';

export interface AppModuleOptions {
  env: Environment;
  databaseUrl: string;
  adminToken: string;
}

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ ...options.env })],
          validate: (raw) => ({ ...validateEnvironment(raw) }),
        }),
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.env.LOG_LEVEL,
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
          },
        }),
        TypeOrmModule.forRoot({ ...dataSourceOptions(options.databaseUrl), retryAttempts: 3, retryDelay: 1000 }),
        EngineModule,
        HealthModule,
      ],
      providers: [{ provide: ADMIN_TOKEN, useValue: options.adminToken }],
      exports: [ADMIN_TOKEN],
    };
  }
}
