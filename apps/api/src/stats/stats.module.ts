import { Module } from '@nestjs/common';

import { PromptModule } from '../prompts/prompt.module';
import { AdminStatsController, TenantStatsController } from './stats.controller';
import { StatsGateway } from './stats.gateway';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';
import { VersionTreeService } from './version-tree.service';

@Module({
  imports: [PromptModule],
  controllers: [AdminStatsController, TenantStatsController],
  providers: [StatsRepository, StatsService, StatsGateway, VersionTreeService],
})
export class StatsModule {}
