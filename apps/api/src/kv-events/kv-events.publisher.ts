// Publishes the engine's cache changes as vLLM KV events over ZeroMQ, for prefix-aware routers
// (llm-d's precise prefix-cache scorer). Each message is three frames: the topic, an 8-byte
// big-endian sequence number (0, 1, ... per process) and the msgpack batch. The first batch and the
// last are AllBlocksCleared: a new process has an empty cache, a closing one takes its cache along.
// With KV_EVENTS_REPLAY_ENDPOINT a ROUTER socket answers a DEALER's [empty, 8-byte start] with every
// kept batch from there as [empty, topic, seq, payload] and then [empty, empty, 2^64-1, empty], the
// replay protocol of llm-d's subscriber.
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Publisher, Router } from 'zeromq';

import type { Environment } from '../config/environment';
import { EngineService } from '../engine/engine.service';
import { hostIpv4, kvEventsTopic } from './kv-events-topic';
import { KvEventsRelay } from './kv-events.relay';
import { KvEventsSettings } from './kv-events.settings';
import { ReplayBuffer } from './replay-buffer';
import { routingSaltOf } from '../engine/cache-namespace';
import { ALL_BLOCKS_CLEARED, encodeEventBatch, toVllmEvents, type BlockFacts, type VllmKvEvent } from './vllm-kv-events';

const END_OF_REPLAY = Buffer.alloc(8, 0xff);
const EMPTY = Buffer.alloc(0);

function seqFrame(seq: bigint): Buffer {
  const frame = Buffer.alloc(8);
  frame.writeBigUInt64BE(seq);
  return frame;
}

/** vLLM binds a PUB endpoint with a wildcard host (or ipc/inproc) and connects to any other. */
function binds(endpoint: string): boolean {
  return endpoint.includes('*') || endpoint.includes('::') || !endpoint.startsWith('tcp://');
}

@Injectable()
export class KvEventsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KvEventsPublisher.name);
  private readonly buffer: ReplayBuffer;
  private publisher?: Publisher;
  private replay?: Router;
  private topic = EMPTY;
  private facts?: BlockFacts;
  private nextSeq = 0n;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly settings: KvEventsSettings,
    private readonly relay: KvEventsRelay,
    private readonly engine: EngineService,
    private readonly config: ConfigService<Environment, true>,
  ) {
    this.buffer = new ReplayBuffer(settings.KV_EVENTS_REPLAY_BUFFER);
  }

  async onApplicationBootstrap(): Promise<void> {
    const endpoint = this.settings.KV_EVENTS_ENDPOINT;
    if (endpoint === undefined) return;
    const topic =
      this.settings.KV_EVENTS_TOPIC ??
      kvEventsTopic(this.settings.POD_IP ?? hostIpv4(), this.config.get('PORT', { infer: true }), this.engine.model.id);
    this.topic = Buffer.from(topic, 'utf8');
    this.facts = {
      blockSize: this.engine.chunkSize,
      medium: this.engine.engineStatus().backend === 'cuda' ? 'GPU' : 'CPU',
      saltOf: routingSaltOf,
    };
    this.publisher = new Publisher({ sendHighWaterMark: 100_000, linger: 1000 });
    if (binds(endpoint)) await this.publisher.bind(endpoint);
    else this.publisher.connect(endpoint);
    const replayEndpoint = this.settings.KV_EVENTS_REPLAY_ENDPOINT;
    if (replayEndpoint !== undefined) {
      this.replay = new Router({ linger: 0 });
      await this.replay.bind(replayEndpoint);
      void this.serveReplay(this.replay);
    }
    this.logger.log(`KV events on ${endpoint}${replayEndpoint ? `, replay on ${replayEndpoint}` : ''}, topic ${topic}`);
    this.publish([ALL_BLOCKS_CLEARED]);
    this.relay.attach((changes) => this.publish(toVllmEvents(changes, this.facts as BlockFacts)));
  }

  async onApplicationShutdown(): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) return;
    this.publish([ALL_BLOCKS_CLEARED]);
    await this.sending;
    this.publisher = undefined;
    publisher.close();
    this.replay?.close();
    this.replay = undefined;
  }

  private publish(events: VllmKvEvent[]): void {
    const publisher = this.publisher;
    if (!publisher || events.length === 0) return;
    const batch = { seq: this.nextSeq++, payload: encodeEventBatch(Date.now() / 1000, events) };
    this.buffer.add(batch);
    this.sending = this.sending
      .then(() => publisher.send([this.topic, seqFrame(batch.seq), batch.payload]))
      .catch((err: Error) => this.logger.error(`KV events: batch ${batch.seq} not sent: ${err.message}`));
  }

  private async serveReplay(router: Router): Promise<void> {
    try {
      for await (const [identity, , start] of router) {
        if (start === undefined || start.length !== 8) continue;
        for (const batch of this.buffer.since(start.readBigUInt64BE())) {
          await router.send([identity, EMPTY, this.topic, seqFrame(batch.seq), batch.payload]);
        }
        await router.send([identity, EMPTY, EMPTY, END_OF_REPLAY, EMPTY]);
      }
    } catch (err) {
      if (this.replay === router) this.logger.error(`KV events replay stopped: ${(err as Error).message}`);
    }
  }
}
