import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { dataSourceOptions, runMigrationsOnce } from '@chunkserve/persistence';

import { AdminModule } from './admin/admin.module';
import { AdminSessionModule } from './admin/session/admin-session.module';
import { ApiKeyModule } from './api-keys/api-key.module';
import { ADMIN_TOKEN } from './app.tokens';
import { AuthModule } from './auth/auth.module';
import { redactCredentials, redactQuery } from './common/redact';
import { CompletionModule } from './completions/completion.module';
import { validateEnvironment, type Environment } from './config/environment';
import { EngineModule } from './engine/engine.module';
import { HealthModule } from './health/health.module';
import { KvEventsModule } from './kv-events/kv-events.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MetricsModule } from './metrics/metrics.module';
import { PromptModule } from './prompts/prompt.module';
import { StatsModule } from './stats/stats.module';
import { StreamModule } from './stream/stream.module';
import { TenantModule } from './tenants/tenant.module';
import { UsageModule } from './usage/usage.module';

export { ADMIN_TOKEN };

export interface AppModuleOptions {
  env: Environment;
  databaseUrl: string;
  adminToken: string;
}

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
            // WebSocket clients may put credentials in the query string (?token=, ?api_key=).
            serializers: {
              req: (req: { url?: string; query?: unknown }) => Object.assign(req, { url: req.url && redactCredentials(req.url), query: redactQuery(req.query) }),
            },
            autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
          },
        }),
        TypeOrmModule.forRootAsync({
          // Migrations first, under an advisory lock: replicas may boot together on one database.
          useFactory: async () => {
            await runMigrationsOnce(options.databaseUrl);
            const pool = { size: options.env.DB_POOL_SIZE, connectTimeoutMs: options.env.DB_CONNECT_TIMEOUT_MS, statementTimeoutMs: options.env.DB_STATEMENT_TIMEOUT_MS };
            return { ...dataSourceOptions(options.databaseUrl, pool), migrationsRun: false, retryAttempts: 3, retryDelay: 1000 };
          },
        }),
        // The storage RateLimiter counts in (it reads the limit and window from the config).
        ThrottlerModule.forRoot(),
        LifecycleModule,
        EngineModule,
        HealthModule,
        MetricsModule,
        UsageModule,
        AuthModule,
        AdminSessionModule,
        ApiKeyModule,
        TenantModule,
        PromptModule,
        CompletionModule,
        StreamModule,
        StatsModule,
        AdminModule,
        KvEventsModule,
      ],
      providers: [{ provide: ADMIN_TOKEN, useValue: options.adminToken }],
      exports: [ADMIN_TOKEN],
    };
  }
}
