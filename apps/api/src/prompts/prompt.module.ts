import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Prompt, PromptVersion } from '@chunkserve/persistence';

import { PromptWarmupService } from './prompt-warmup.service';
import { PromptController } from './prompt.controller';
import { PromptService } from './prompt.service';

@Module({
  imports: [TypeOrmModule.forFeature([Prompt, PromptVersion])],
  controllers: [PromptController],
  providers: [PromptService, PromptWarmupService],
  exports: [PromptService],
})
export class PromptModule {}
