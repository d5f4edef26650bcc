// Credential withdrawals reach every replica at once. A trigger on api_keys notifies each revoked
// or deleted key (a deleted tenant's keys through the cascade) on CREDENTIAL_CHANGES_CHANNEL
// (migration 1767484800000), and this service LISTENs on a dedicated connection of its own and
// hands each change to its subscribers: the WebSocket gateway checks again the sockets that
// authenticated with that key, and stops them and their generations within a round trip of the
// commit instead of at their next periodic check.
//
// Missed notifications: one sent while the session was down is lost, so after every reconnection
// subscribers get `everything` (check every socket); the gateway's periodic check bounds the rest.
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CREDENTIAL_CHANGES_CHANNEL, type CredentialChange } from '@chunkserve/persistence';
import { DataSource } from 'typeorm';

import { ChannelListener } from '../database/channel-listener';
import { newListenClient } from '../database/listen-client';

/** The listener's session in pg_stat_activity. */
export const CREDENTIAL_LISTENER_APPLICATION_NAME = 'chunkserve-credential-listener';

/** One withdrawn key, or `everything` when some changes may have been missed. */
export type CredentialEvent = CredentialChange | 'everything';

@Injectable()
export class CredentialChangeListener implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CredentialChangeListener.name);
  private readonly subscribers = new Set<(event: CredentialEvent) => void>();
  private listener?: ChannelListener;

  constructor(private readonly dataSource: DataSource) {}

  /** Calls `subscriber` on every change; returns the unsubscribe function. */
  subscribe(subscriber: (event: CredentialEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  onApplicationBootstrap(): void {
    this.listener = new ChannelListener({
      channel: CREDENTIAL_CHANGES_CHANNEL,
      newClient: () => newListenClient(this.dataSource, CREDENTIAL_LISTENER_APPLICATION_NAME),
      onNotification: (payload) => this.onNotification(payload),
      onListening: (reconnected) => {
        if (!reconnected) return;
        this.logger.log('listening for credential changes again: checking every socket');
        this.publish('everything');
      },
      onDisconnect: (err, retryInMs) => this.logger.warn(`credential change listener: ${err.message}; reconnecting in ${retryInMs} ms`),
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

  private onNotification(payload: string | undefined): void {
    let change: CredentialChange;
    try {
      change = JSON.parse(payload ?? '') as CredentialChange;
    } catch {
      // Not ours to parse (a hand-sent NOTIFY): check everything rather than miss a revocation.
      return this.publish('everything');
    }
    this.publish(typeof change?.key_id === 'string' ? change : 'everything');
  }

  private publish(event: CredentialEvent): void {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch (err) {
        this.logger.error(`credential change subscriber: ${(err as Error).message}`);
      }
    }
  }
}
