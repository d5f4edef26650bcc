import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsageRecord } from '@chunkserve/persistence';

import { UsageService } from './usage.service';

@Global()
@Module({ imports: [TypeOrmModule.forFeature([UsageRecord])], providers: [UsageService], exports: [UsageService] })
export class UsageModule {}
