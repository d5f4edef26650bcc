import { Module } from '@nestjs/common';

import { PromptModule } from '../prompts/prompt.module';
import { TenantController } from './tenant.controller';
import { TenantLimitsModule } from './tenant-limits.module';
import { TenantService } from './tenant.service';

@Module({
  imports: [TenantLimitsModule, PromptModule],
  controllers: [TenantController],
  providers: [TenantService],
  exports: [TenantLimitsModule],
})
export class TenantModule {}
