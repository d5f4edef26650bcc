import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '@chunkserve/persistence';

import { AdminGuard } from '../auth/admin.guard';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { TenantThrottlerGuard } from '../auth/tenant-throttler.guard';
import { TenantModule } from '../tenants/tenant.module';
import { ApiKeyController } from './api-key.controller';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';

/** API keys and the guards every other module uses. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), TenantModule],
  controllers: [ApiKeyController],
  providers: [ApiKeyRepository, ApiKeyService, ApiKeyGuard, AdminGuard, TenantThrottlerGuard],
  exports: [ApiKeyService, ApiKeyGuard, AdminGuard, TenantThrottlerGuard],
})
export class ApiKeyModule {}
