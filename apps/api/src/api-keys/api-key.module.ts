import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey, Tenant } from '@chunkserve/persistence';

import { AdminGuard } from '../auth/admin.guard';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { TenantThrottlerGuard } from '../auth/tenant-throttler.guard';
import { ApiKeyController } from './api-key.controller';
import { ApiKeyService } from './api-key.service';

/** API keys and the guards every other module uses. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey, Tenant])],
  controllers: [ApiKeyController],
  providers: [ApiKeyService, ApiKeyGuard, AdminGuard, TenantThrottlerGuard],
  exports: [ApiKeyService, ApiKeyGuard, AdminGuard, TenantThrottlerGuard],
})
export class ApiKeyModule {}
