import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { DrainHealthIndicator } from './drain.health';
import { EngineHealthIndicator } from './engine.health';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [EngineHealthIndicator, DrainHealthIndicator],
})
export class HealthModule {}
