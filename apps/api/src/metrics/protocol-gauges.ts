// The model-server protocol's gauges (gateway-api-inference-extension, proposal 003): queued and
// running requests, KV-cache utilisation (0-1) and the cache configuration (block size and count),
// under the names the llm-d Endpoint Picker reads for vLLM and under ChunkServe's own names (its
// `engineConfigs` entry for the engine type `chunkserve`, docs/scale-out.md). No tenant in them.
import { Gauge, type Registry } from 'prom-client';

import type { EngineStats } from '../engine/engine.types';

export interface ProtocolFigures {
  /** Sequences admitted to neither prefill nor decode yet (TotalQueuedRequests). */
  waiting: number;
  /** Sequences being prefilled or decoded (TotalRunningRequests). */
  running: number;
  /**
   * Share of the chunk pool that new requests cannot take: chunks that are neither free nor
   * cached-and-evictable (vLLM's kv_cache_usage_perc counts reusable cached blocks as free too).
   */
  kvUtilization: number;
  /** Tokens per chunk (CHUNK_SIZE): the block size. */
  blockSize: number;
  /** Chunks in the pool: the block count. */
  blocks: number;
}

export function protocolFigures(s: EngineStats, chunkSize: number): ProtocolFigures {
  const capacity = s.capacityChunks;
  const taken = capacity - s.freeChunks - s.cachedChunks;
  return {
    waiting: s.waiting,
    running: s.running,
    kvUtilization: capacity > 0 ? Math.min(1, Math.max(0, taken / capacity)) : 0,
    blockSize: chunkSize,
    blocks: capacity,
  };
}

interface GaugeSpec {
  name: string;
  help: string;
  value: (f: ProtocolFigures) => number;
}

const VALUE_GAUGES: GaugeSpec[] = [
  { name: 'vllm:num_requests_waiting', help: 'Requests waiting to be admitted (vLLM name)', value: (f) => f.waiting },
  { name: 'vllm:num_requests_running', help: 'Requests being prefilled or decoded (vLLM name)', value: (f) => f.running },
  { name: 'vllm:kv_cache_usage_perc', help: 'KV-cache utilisation, 0-1: chunks neither free nor evictable (vLLM name)', value: (f) => f.kvUtilization },
  { name: 'chunkserve_queued_requests', help: 'Requests waiting to be admitted', value: (f) => f.waiting },
  { name: 'chunkserve_running_requests', help: 'Requests being prefilled or decoded', value: (f) => f.running },
  { name: 'chunkserve_kv_cache_utilization', help: 'KV-cache utilisation, 0-1: chunks neither free nor evictable', value: (f) => f.kvUtilization },
];

const INFO_GAUGES = [
  { name: 'vllm:cache_config_info', help: 'KV-cache configuration (vLLM name): block_size tokens per block, num_gpu_blocks blocks', count: 'num_gpu_blocks' },
  { name: 'chunkserve_cache_config_info', help: 'KV-cache configuration: block_size tokens per chunk, num_blocks chunks in the pool', count: 'num_blocks' },
];

/** Registers the gauges on `registry`; `read` gives the figures at scrape time (undefined: no samples). */
export function registerProtocolGauges(registry: Registry, read: () => ProtocolFigures | undefined): void {
  for (const spec of VALUE_GAUGES) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      registers: [registry],
      collect() {
        const f = read();
        if (f) this.set(spec.value(f));
      },
    });
  }
  for (const spec of INFO_GAUGES) {
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: ['block_size', spec.count],
      registers: [registry],
      collect() {
        const f = read();
        this.reset();
        if (f) this.set({ block_size: String(f.blockSize), [spec.count]: String(f.blocks) }, 1);
      },
    });
  }
}
