import { Module } from '@nestjs/common';

import { TenantLimitsModule } from '../tenants/tenant-limits.module';

import { PromptWarmupService } from './prompt-warmup.service';
import { PromptController } from './prompt.controller';
import { PromptRepository } from './prompt.repository';
import { PromptService } from './prompt.service';

@Module({
  imports: [TenantLimitsModule],
  controllers: [PromptController],
  providers: [PromptRepository, PromptService, PromptWarmupService],
  exports: [PromptRepository, PromptService],
})
export class PromptModule {}
