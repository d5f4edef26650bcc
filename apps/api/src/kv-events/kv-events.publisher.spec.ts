// The publisher on real ZeroMQ sockets: with a host that is not a wildcard it connects (to an
// indexer that binds), names the topic after the pod, the port and the model, and closes with
// AllBlocksCleared.
import { createServer } from 'net';

import { Logger } from '@nestjs/common';
import { decode } from '@msgpack/msgpack';
import { Subscriber } from 'zeromq';

import { configOf } from '../../test/automock';
import type { EngineService } from '../engine/engine.service';
import { KvEventsPublisher } from './kv-events.publisher';
import { KvEventsRelay } from './kv-events.relay';
import { kvEventsSettings } from './kv-events.settings';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('KvEventsPublisher', () => {
  it('connects to a bound subscriber, numbers batches from 0 and ends with AllBlocksCleared', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const port = await freePort();
    const sub = new Subscriber();
    await sub.bind(`tcp://127.0.0.1:${port}`);
    sub.subscribe();
    const received: [string, bigint, unknown[]][] = [];
    const reading = (async () => {
      for await (const [topic, seq, payload] of sub) {
        received.push([topic.toString(), seq.readBigUInt64BE(), decode(payload, { useBigInt64: true }) as unknown[]]);
        if (received.at(-1)?.[1] === 2n) return;
      }
    })();
    const settings = kvEventsSettings({ KV_EVENTS_ENDPOINT: `tcp://127.0.0.1:${port}`, POD_IP: '10.0.0.9' });
    const relay = new KvEventsRelay(settings);
    const engine = { model: { id: 'tiny' }, chunkSize: 4, engineStatus: () => ({ backend: 'cuda' }) } as unknown as EngineService;
    const publisher = new KvEventsPublisher(settings, relay, engine, configOf({ PORT: 8000 }));
    try {
      await publisher.onApplicationBootstrap();
      await new Promise((r) => setTimeout(r, 300)); // the connection and the subscription settle
      relay.listener!([{ type: 'stored', hash: '000000000000000a', parentHash: null, namespace: 'tenant:t', tokens: Int32Array.from([5, 6, 7, 8]) }]);
      await publisher.onApplicationShutdown();

      await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`received only ${JSON.stringify(received.map((r) => String(r[1])))}`)), 5000))]);
      const [stored, cleared] = received.slice(-2);
      expect(stored[0]).toBe('kv@10.0.0.9:8000@tiny');
      expect(stored[1]).toBe(1n);
      expect(stored[2][1]).toEqual([['BlockStored', [10n], null, [5, 6, 7, 8], 4, null, 'GPU', null, [[expect.stringMatching(/^[0-9a-f]{32}$/)]]]]);
      expect(cleared[2][1]).toEqual([['AllBlocksCleared']]);
    } finally {
      sub.close();
    }
  });
});
