import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Tenant } from '@chunkserve/persistence';

import { PromptModule } from '../prompts/prompt.module';
import { TenantController } from './tenant.controller';
import { TenantService } from './tenant.service';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant]), PromptModule],
  controllers: [TenantController],
  providers: [TenantService],
})
export class TenantModule {}
