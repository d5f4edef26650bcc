import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsageRecord } from '@chunkserve/persistence';

import { UsageRepository } from './usage.repository';
import { UsageService } from './usage.service';

@Global()
@Module({ imports: [TypeOrmModule.forFeature([UsageRecord])], providers: [UsageRepository, UsageService], exports: [UsageService] })
export class UsageModule {}
