// Prompt writes reach every replica. Replicas share one Postgres, each with its own engine and
// PromptReconciler; a trigger notifies every prompt and version change on PROMPT_CHANGES_CHANNEL
// (migration 1767398400000), and this service LISTENs on a dedicated connection of its own (the
// pool's connections are borrowed per query, and LISTEN lives with one session) and asks the
// reconciler for a pass on each notification: the replica pins a new version, unpins the old
// one and a deleted prompt within a pass's time (well under a second). A burst of notifications
// costs at most two passes: PromptReconciler.sync() joins every request made while a pass runs
// into the one pass that follows it.
//
// Missed notifications: the listener starts after the boot re-warm and runs a full pass once it
// listens, and again after every reconnection (a notification sent while the session was down is
// lost); the reconciler's RECONCILE_INTERVAL_MS pass bounds whatever slips through even so.
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { PROMPT_CHANGES_CHANNEL } from '@chunkserve/persistence';
import { DataSource } from 'typeorm';

import { ChannelListener } from '../database/channel-listener';
import { newListenClient } from '../database/listen-client';
import { PromptReconciler } from './prompt-reconciler.service';

/** The listener's session in pg_stat_activity. */
export const PROMPT_LISTENER_APPLICATION_NAME = 'chunkserve-prompt-listener';

@Injectable()
export class PromptChangeListener implements OnModuleDestroy {
  private readonly logger = new Logger(PromptChangeListener.name);
  private listener?: ChannelListener;

  constructor(
    private readonly dataSource: DataSource,
    private readonly reconciler: PromptReconciler,
  ) {}

  /** Starts listening (PromptWarmupService calls it once the boot re-warm is done). */
  start(): void {
    if (this.listener) return;
    this.listener = new ChannelListener({
      channel: PROMPT_CHANGES_CHANNEL,
      newClient: () => newListenClient(this.dataSource, PROMPT_LISTENER_APPLICATION_NAME),
      onNotification: (payload) => this.reconcile(`prompt change ${payload ?? ''}`),
      onListening: (reconnected) => {
        if (reconnected) this.logger.log(`listening for prompt changes again: reconciling what was missed`);
        this.reconcile(reconnected ? 'reconnection' : 'listening');
      },
      onDisconnect: (err, retryInMs) => this.logger.warn(`prompt change listener: ${err.message}; reconnecting in ${retryInMs} ms`),
    });
    void this.listener.start();
  }

  /** Whether the dedicated session listens now. */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.close();
  }

  private reconcile(reason: string): void {
    this.logger.debug(`reconcile: ${reason}`);
    this.reconciler.sync().catch((err) => this.logger.error(`reconciling after ${reason} failed: ${(err as Error).message}`));
  }
}
