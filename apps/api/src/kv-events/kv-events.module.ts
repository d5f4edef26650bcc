// KV events for prefix-aware routers (docs/scale-out.md). Global: EngineService takes the relay's
// listener as the engine's onKvEvents.
import { Global, Module } from '@nestjs/common';

import { KvEventsPublisher } from './kv-events.publisher';
import { KvEventsRelay } from './kv-events.relay';
import { KvEventsSettings, kvEventsSettings } from './kv-events.settings';

@Global()
@Module({
  providers: [{ provide: KvEventsSettings, useFactory: () => kvEventsSettings() }, KvEventsRelay, KvEventsPublisher],
  exports: [KvEventsRelay],
})
export class KvEventsModule {}
