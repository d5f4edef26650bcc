import { decode } from '@msgpack/msgpack';

import type { CacheChange } from '@chunkserve/engine';

import { ALL_BLOCKS_CLEARED, encodeEventBatch, toVllmEvents, type BlockFacts } from './vllm-kv-events';

const facts: BlockFacts = { blockSize: 4, medium: 'CPU', saltOf: (ns) => `salt(${ns})` };
const stored = (hash: string, parentHash: string | null, namespace = 'tenant:a'): CacheChange => ({
  type: 'stored',
  hash,
  parentHash,
  namespace,
  tokens: Int32Array.from([1, 2, 3, 4]),
});

describe("vLLM's KV event format", () => {
  it("carries the namespace's salt in a root chunk's extra_keys only, and groups consecutive removals", () => {
    const events = toVllmEvents(
      [stored('00000000000000ff', null), stored('ffffffffffffffff', '00000000000000ff'), { type: 'removed', hash: '0000000000000001' }, { type: 'removed', hash: '0000000000000002' }, stored('0000000000000003', null, 'tenant:b'), { type: 'removed', hash: '0000000000000004' }],
      facts,
    );
    expect(events).toEqual([
      ['BlockStored', [255n], null, [1, 2, 3, 4], 4, null, 'CPU', null, [['salt(tenant:a)']]],
      ['BlockStored', [2n ** 64n - 1n], 255n, [1, 2, 3, 4], 4, null, 'CPU', null, null],
      ['BlockRemoved', [1n, 2n], 'CPU'],
      ['BlockStored', [3n], null, [1, 2, 3, 4], 4, null, 'CPU', null, [['salt(tenant:b)']]],
      ['BlockRemoved', [4n], 'CPU'],
    ]);
  });

  it('encodes [ts as float64, events, rank] with hashes as unsigned 64-bit integers', () => {
    const payload = encodeEventBatch(1700000000, [ALL_BLOCKS_CLEARED, ...toVllmEvents([stored('8000000000000000', null)], facts)]);
    expect([...payload.subarray(0, 2)]).toEqual([0x93, 0xcb]); // an integral ts is still a float64
    expect(payload.includes(Buffer.from('cf8000000000000000', 'hex'))).toBe(true);
    expect(decode(payload, { useBigInt64: true })).toEqual([
      1700000000,
      [['AllBlocksCleared'], ['BlockStored', [2n ** 63n], null, [1, 2, 3, 4], 4, null, 'CPU', null, [['salt(tenant:a)']]]],
      0,
    ]);
  });
});
