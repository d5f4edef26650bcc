import { Module } from '@nestjs/common';

import { PromptModule } from '../prompts/prompt.module';
import { CompletionController } from './completion.controller';
import { CompletionService } from './completion.service';

@Module({ imports: [PromptModule], controllers: [CompletionController], providers: [CompletionService], exports: [CompletionService] })
export class CompletionModule {}
