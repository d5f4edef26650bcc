import { Module } from '@nestjs/common';

import { CompletionModule } from '../completions/completion.module';
import { PromptModule } from '../prompts/prompt.module';
import { TenantLimitsModule } from '../tenants/tenant-limits.module';
import { PlaygroundController } from './playground/playground.controller';
import { AdminPromptsController } from './prompts/admin-prompts.controller';
import { AdminPromptsRepository } from './prompts/admin-prompts.repository';
import { AdminPromptsService } from './prompts/admin-prompts.service';

/** The admin console's own endpoints: prompts of any tenant and the playground. */
@Module({
  imports: [PromptModule, CompletionModule, TenantLimitsModule],
  controllers: [AdminPromptsController, PlaygroundController],
  providers: [AdminPromptsRepository, AdminPromptsService],
})
export class AdminModule {}
