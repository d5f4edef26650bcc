import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from '@chunkserve/persistence';

import { TenantModule } from '../tenants/tenant.module';
import { ApiKeyController } from './api-key.controller';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), TenantModule],
  controllers: [ApiKeyController],
  providers: [ApiKeyRepository, ApiKeyService],
  exports: [ApiKeyService],
})
export class ApiKeyModule {}
