import { Module } from '@nestjs/common';

import { TenantLimitsModule } from '../tenants/tenant-limits.module';

import { PromptChangeListener } from './prompt-change-listener.service';
import { PromptReconciler } from './prompt-reconciler.service';
import { PromptWarmupService } from './prompt-warmup.service';
import { PromptController } from './prompt.controller';
import { PromptRepository } from './prompt.repository';
import { PromptService } from './prompt.service';

@Module({
  imports: [TenantLimitsModule],
  controllers: [PromptController],
  providers: [PromptRepository, PromptReconciler, PromptService, PromptWarmupService, PromptChangeListener],
  exports: [PromptRepository, PromptService],
})
export class PromptModule {}
