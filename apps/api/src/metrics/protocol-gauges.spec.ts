import { Registry } from 'prom-client';

import type { EngineStats } from '../engine/engine.types';
import { protocolFigures, registerProtocolGauges, type ProtocolFigures } from './protocol-gauges';

const stats = (values: Partial<EngineStats>) => ({ running: 0, waiting: 0, capacityChunks: 100, freeChunks: 100, cachedChunks: 0, ...values }) as EngineStats;

describe('protocol gauges', () => {
  it('count cached, evictable chunks as available, pinned and referenced ones as taken', () => {
    const f = protocolFigures(stats({ running: 3, waiting: 2, capacityChunks: 200, freeChunks: 120, cachedChunks: 30 }), 64);
    expect(f).toEqual({ waiting: 2, running: 3, kvUtilization: 0.25, blockSize: 64, blocks: 200 });
    expect(protocolFigures(stats({ freeChunks: 0, cachedChunks: 0 }), 16).kvUtilization).toBe(1);
    expect(protocolFigures(stats({ capacityChunks: 0, freeChunks: 0 }), 16).kvUtilization).toBe(0);
  });

  it("serve vLLM's names and ChunkServe's, with the cache configuration as labels", async () => {
    const registry = new Registry();
    let figures: ProtocolFigures | undefined = { waiting: 4, running: 7, kvUtilization: 0.375, blockSize: 16, blocks: 512 };
    registerProtocolGauges(registry, () => figures);
    const text = await registry.metrics();
    for (const line of [
      'vllm:num_requests_waiting 4',
      'vllm:num_requests_running 7',
      'vllm:kv_cache_usage_perc 0.375',
      'vllm:cache_config_info{block_size="16",num_gpu_blocks="512"} 1',
      'chunkserve_queued_requests 4',
      'chunkserve_running_requests 7',
      'chunkserve_kv_cache_utilization 0.375',
      'chunkserve_cache_config_info{block_size="16",num_blocks="512"} 1',
    ]) {
      expect(text.split('\n')).toContain(line);
    }

    figures = { ...figures, blocks: 256 };
    expect(await registry.metrics()).not.toContain('num_gpu_blocks="512"');
    figures = undefined;
    expect(await registry.metrics()).not.toContain('vllm:cache_config_info{');
  });
});
