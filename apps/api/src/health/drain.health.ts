import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

import { DrainService } from '../lifecycle/drain.service';

/** Down once the process drains for shutdown: the router stops sending it traffic (liveness stays up). */
@Injectable()
export class DrainHealthIndicator {
  constructor(
    private readonly drain: DrainService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key: string) {
    const check = this.indicator.check(key);
    if (this.drain.isDraining) return check.down({ message: 'draining: shutting down, new generations are refused', inFlight: this.drain.inFlight });
    return check.up();
  }
}
