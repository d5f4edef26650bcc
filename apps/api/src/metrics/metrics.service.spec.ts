import { automock } from '../../test/automock';
import { EngineService } from '../engine/engine.service';
import type { EngineStats } from '../engine/engine.types';
import { MetricsService } from './metrics.service';

const cpu = { backend: 'cpu' as const, simd: 'avx512', cudaCompiled: true, gpuName: null, deviceMemory: null };
const gpu = { backend: 'cuda' as const, simd: 'avx512', cudaCompiled: true, gpuName: 'NVIDIA H200', deviceMemory: { totalBytes: 150e9, usedBytes: 21e9 } };

describe('MetricsService', () => {
  const engine = automock(EngineService, { chunkSize: 16 });

  beforeEach(() => {
    engine.isLoaded.mockReturnValue(true);
    engine.stats.mockReturnValue({ running: 2, waiting: 1, bytesInUse: 1, bytesPinned: 2, bytesCached: 3, bytesFree: 4, capacityChunks: 10, usedChunks: 3 } as EngineStats);
  });

  it("names the GPU and its memory in use and in total", async () => {
    engine.engineStatus.mockReturnValue(gpu);
    const text = await new MetricsService(engine).registry.metrics();
    expect(text).toContain('chunkserve_device_memory_bytes{state="total",gpu="NVIDIA H200"} 150000000000');
    expect(text).toContain('chunkserve_device_memory_bytes{state="used",gpu="NVIDIA H200"} 21000000000');
  });

  it('has no device memory series on the CPU', async () => {
    engine.engineStatus.mockReturnValue(cpu);
    const text = await new MetricsService(engine).registry.metrics();
    expect(text).not.toMatch(/^chunkserve_device_memory_bytes\{/m);
    expect(text).toContain('chunkserve_sequences{state="running"} 2');
  });
});
