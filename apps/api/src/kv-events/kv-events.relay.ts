// Hands the engine's cache changes to the publisher. The engine takes `listener` as its
// onKvEvents when it loads (before the publisher's sockets exist); changes that arrive before the
// publisher attaches wait here, in order. With KV events off, `listener` is undefined and the engine
// records none.
import { Injectable } from '@nestjs/common';

import type { CacheChange } from '@chunkserve/engine';

import { KvEventsSettings } from './kv-events.settings';

export type CacheChangeHandler = (changes: CacheChange[]) => void;

@Injectable()
export class KvEventsRelay {
  readonly listener?: CacheChangeHandler;
  private handler?: CacheChangeHandler;
  private readonly pending: CacheChange[][] = [];

  constructor(settings: KvEventsSettings) {
    if (settings.KV_EVENTS_ENDPOINT !== undefined) {
      this.listener = (changes) => (this.handler ? this.handler(changes) : this.pending.push(changes));
    }
  }

  attach(handler: CacheChangeHandler): void {
    this.handler = handler;
    for (const changes of this.pending.splice(0)) handler(changes);
  }
}
