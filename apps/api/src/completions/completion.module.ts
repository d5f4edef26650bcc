import { Module } from '@nestjs/common';

import { PromptModule } from '../prompts/prompt.module';
import { CompletionController } from './completion.controller';
import { CompletionService } from './completion.service';
import { GenerationRunner } from './generation-runner';

@Module({
  imports: [PromptModule],
  controllers: [CompletionController],
  providers: [CompletionService, GenerationRunner],
  exports: [CompletionService, GenerationRunner],
})
export class CompletionModule {}
