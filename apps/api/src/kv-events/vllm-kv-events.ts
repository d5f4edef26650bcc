// vLLM's KV-event wire format (vllm/distributed/kv_events.py; decoded by llm-d's vLLM adapter):
// msgspec structs as msgpack arrays, events tagged by their class name. A batch is
// [ts (float64 seconds), events, data_parallel_rank]; BlockStored is [tag, block_hashes,
// parent_block_hash, token_ids, block_size, lora_id, medium, lora_name, extra_keys]; BlockRemoved
// [tag, block_hashes, medium]; AllBlocksCleared [tag]. Hashes go out as unsigned 64-bit integers.
import { encode } from '@msgpack/msgpack';

import type { CacheChange } from '@chunkserve/engine';

export type VllmKvEvent = readonly unknown[];

export const ALL_BLOCKS_CLEARED: VllmKvEvent = ['AllBlocksCleared'];

export interface BlockFacts {
  /** CHUNK_SIZE: every stored chunk is full. */
  blockSize: number;
  /** Where the chunk pool lives: 'GPU' or 'CPU'. */
  medium: string;
  /** The salt of a namespace's root chunks (routingSaltOf). */
  saltOf: (namespace: string) => string;
}

const hashValue = (hex: string): bigint => BigInt(`0x${hex}`);

/** The engine's cache changes as vLLM events, in order; consecutive removals share one BlockRemoved. */
export function toVllmEvents(changes: readonly CacheChange[], facts: BlockFacts): VllmKvEvent[] {
  const events: VllmKvEvent[] = [];
  let removed: bigint[] | undefined;
  for (const change of changes) {
    if (change.type === 'removed') {
      if (!removed) events.push(['BlockRemoved', (removed = []), facts.medium]);
      removed.push(hashValue(change.hash));
      continue;
    }
    removed = undefined;
    const atRoot = change.parentHash === null;
    events.push([
      'BlockStored',
      [hashValue(change.hash)],
      atRoot ? null : hashValue(change.parentHash as string),
      Array.from(change.tokens),
      facts.blockSize,
      null, // lora_id
      facts.medium,
      null, // lora_name
      atRoot ? [[facts.saltOf(change.namespace)]] : null, // extra_keys: the salt in the first block
    ]);
  }
  return events;
}

/** One batch as the third frame of a message: ts is always a float64, as vLLM's msgspec writes it. */
export function encodeEventBatch(tsSeconds: number, events: readonly VllmKvEvent[], dataParallelRank = 0): Buffer {
  const head = Buffer.alloc(10);
  head[0] = 0x93; // fixarray of 3
  head[1] = 0xcb; // float64
  head.writeDoubleBE(tsSeconds, 2);
  return Buffer.concat([head, encode(events, { useBigInt64: true }), encode(dataParallelRank)]);
}
