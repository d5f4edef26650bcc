import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

import { EngineService } from '../engine/engine.service';

/** Ready when the native engine is loaded. */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly engine: EngineService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key: string) {
    const check = this.indicator.check(key);
    if (!this.engine.isReady()) return check.down({ message: 'engine not loaded' });
    return check.up({ ...this.engine.engineStatus() });
  }
}
