import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { DrainHealthIndicator } from './drain.health';
import { EngineHealthIndicator } from './engine.health';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly engine: EngineHealthIndicator,
    private readonly drain: DrainHealthIndicator,
  ) {}

  /** Liveness: the process answers (also while it drains). */
  @Get('healthz')
  liveness() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers, the engine is loaded with its prompts, and the process is not draining. */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 2000 }), () => this.engine.check('engine'), () => this.drain.check('drain')]);
  }
}
