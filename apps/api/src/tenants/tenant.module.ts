import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Tenant } from '@chunkserve/persistence';

import { PromptModule } from '../prompts/prompt.module';
import { TenantController } from './tenant.controller';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant]), PromptModule],
  controllers: [TenantController],
  providers: [TenantRepository, TenantService],
  exports: [TenantRepository],
})
export class TenantModule {}
