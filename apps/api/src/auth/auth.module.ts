import { Global, Module } from '@nestjs/common';

import { ApiKeyModule } from '../api-keys/api-key.module';
import { TenantLimitsModule } from '../tenants/tenant-limits.module';
import { ApiKeyGuard } from './api-key.guard';
import { Authenticator } from './authenticator';
import { CredentialChangeListener } from './credential-change-listener.service';
import { MetricsGuard } from './metrics.guard';
import { RateLimiter } from './rate-limiter';
import { TenantThrottlerGuard } from './tenant-throttler.guard';

const exported = [Authenticator, CredentialChangeListener, RateLimiter, ApiKeyGuard, MetricsGuard, TenantThrottlerGuard];

/** Authentication and the tenant rate limit, for every module's guards and gateways. */
@Global()
@Module({ imports: [ApiKeyModule, TenantLimitsModule], providers: exported, exports: exported })
export class AuthModule {}
