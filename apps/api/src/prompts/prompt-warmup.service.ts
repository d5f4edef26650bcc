import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { EngineService } from '../engine/engine.service';
import { PromptService } from './prompt.service';

/**
 * On boot, pins every current prompt version again from the database; /readyz says ready only
 * after that. Runs after bootstrap, so /healthz answers meanwhile.
 */
@Injectable()
export class PromptWarmupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PromptWarmupService.name);

  constructor(
    private readonly prompts: PromptService,
    private readonly engine: EngineService,
  ) {}

  onApplicationBootstrap(): void {
    void this.rewarm();
  }

  private async rewarm(): Promise<void> {
    const started = Date.now();
    try {
      const { warmed, failed } = await this.prompts.rewarmAll();
      this.logger.log(`re-warmed ${warmed} prompt versions (${failed} failed) in ${Date.now() - started} ms`);
      this.engine.markPromptsWarm();
    } catch (err) {
      // Not ready: /readyz keeps saying so, and the log says why.
      this.logger.error(`re-warming prompts failed: ${(err as Error).stack ?? err}`);
    }
  }
}
