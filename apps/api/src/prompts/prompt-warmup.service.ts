import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

import { EngineService } from '../engine/engine.service';
import { PromptChangeListener } from './prompt-change-listener.service';
import { PromptReconciler } from './prompt-reconciler.service';
import { PromptService } from './prompt.service';

/**
 * On boot, pins every current prompt version again from the database (within the pinned budget,
 * naming what it skipped); /readyz says ready only after that. Runs after bootstrap, so /healthz
 * answers meanwhile; live writes may come in at the same time (the reconciler serialises them).
 * This is also how a replica that was down catches up with writes made on the others. Then it
 * starts listening for the other replicas' writes (PromptChangeListener): not before, since a pass
 * running ahead of the re-warm would pin versions that markCurrentWarming then marks 'warming'
 * again and that the re-warm pass, finding them pinned, would leave so.
 */
@Injectable()
export class PromptWarmupService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PromptWarmupService.name);

  constructor(
    private readonly prompts: PromptService,
    private readonly engine: EngineService,
    private readonly reconciler: PromptReconciler,
    private readonly listener: PromptChangeListener,
  ) {}

  onApplicationBootstrap(): void {
    void this.rewarm();
  }

  private async rewarm(): Promise<void> {
    const started = Date.now();
    try {
      const { pinned, failed, skipped } = await this.prompts.rewarmAll();
      const skips = skipped.length > 0 ? `; skipped for the pinned budget: ${skipped.join(', ')}` : '';
      this.logger.log(`re-warmed ${pinned} prompt versions (${failed} failed) in ${Date.now() - started} ms${skips}`);
      this.engine.markPromptsWarm();
      this.reconciler.startRetrying();
      this.listener.start();
    } catch (err) {
      // Not ready: /readyz keeps saying so, and the log says why.
      this.logger.error(`re-warming prompts failed: ${(err as Error).stack ?? err}`);
    }
  }
}
