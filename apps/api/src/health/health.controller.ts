import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';

import { EngineHealthIndicator } from './engine.health';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly engine: EngineHealthIndicator,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  liveness() {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and the engine is loaded. */
  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.db.pingCheck('database', { timeout: 2000 }), () => this.engine.check('engine')]);
  }
}
