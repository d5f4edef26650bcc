import { Module } from '@nestjs/common';

import { AdminStatsController, TenantStatsController } from './stats.controller';
import { StatsGateway } from './stats.gateway';
import { StatsService } from './stats.service';

@Module({ controllers: [AdminStatsController, TenantStatsController], providers: [StatsService, StatsGateway] })
export class StatsModule {}
