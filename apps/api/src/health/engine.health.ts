import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

import { EngineService } from '../engine/engine.service';

/** Ready when the engine is loaded and every active prompt version was re-warmed from the database. */
@Injectable()
export class EngineHealthIndicator {
  constructor(
    private readonly engine: EngineService,
    private readonly indicator: HealthIndicatorService,
  ) {}

  check(key: string) {
    const check = this.indicator.check(key);
    if (!this.engine.isLoaded()) return check.down({ message: 'engine not loaded' });
    if (!this.engine.isReady()) return check.down({ message: 're-warming prompts', ...this.engine.engineStatus() });
    return check.up({ ...this.engine.engineStatus(), model: this.engine.model.id });
  }
}
