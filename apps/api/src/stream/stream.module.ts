import { Module } from '@nestjs/common';

import { CompletionModule } from '../completions/completion.module';
import { StreamGateway } from './stream.gateway';

@Module({ imports: [CompletionModule], providers: [StreamGateway] })
export class StreamModule {}
