import type { CacheChange } from '@chunkserve/engine';

import { KvEventsRelay } from './kv-events.relay';
import { kvEventsSettings } from './kv-events.settings';

const removed = (hash: string): CacheChange[] => [{ type: 'removed', hash }];

describe('KvEventsRelay', () => {
  it('gives the engine no listener when KV events are off', () => {
    expect(new KvEventsRelay(kvEventsSettings({})).listener).toBeUndefined();
  });

  it('keeps changes until the publisher attaches, then hands them on in order', () => {
    const relay = new KvEventsRelay(kvEventsSettings({ KV_EVENTS_ENDPOINT: 'tcp://*:5557' }));
    relay.listener!(removed('1'));
    relay.listener!(removed('2'));
    const seen: string[] = [];
    relay.attach((changes) => changes.forEach((c) => seen.push(c.hash)));
    relay.listener!(removed('3'));
    expect(seen).toEqual(['1', '2', '3']);
  });
});
