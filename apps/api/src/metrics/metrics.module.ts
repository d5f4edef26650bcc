import { Global, Module } from '@nestjs/common';

import { EngineMetricsServer } from './engine-metrics.server';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Global()
@Module({ controllers: [MetricsController], providers: [MetricsService, EngineMetricsServer], exports: [MetricsService] })
export class MetricsModule {}
