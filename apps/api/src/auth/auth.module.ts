import { Global, Module } from '@nestjs/common';

import { ApiKeyModule } from '../api-keys/api-key.module';
import { AdminGuard } from './admin.guard';
import { ApiKeyGuard } from './api-key.guard';
import { Authenticator } from './authenticator';
import { MetricsGuard } from './metrics.guard';
import { RateLimiter } from './rate-limiter';
import { TenantThrottlerGuard } from './tenant-throttler.guard';

const exported = [Authenticator, RateLimiter, ApiKeyGuard, AdminGuard, MetricsGuard, TenantThrottlerGuard];

/** Authentication and the tenant rate limit, for every module's guards and gateways. */
@Global()
@Module({ imports: [ApiKeyModule], providers: exported, exports: exported })
export class AuthModule {}
