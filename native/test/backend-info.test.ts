// The addon loads and reports its backend; ENGINE_DEVICE is validated.
const native = require('..');

describe('backendInfo', () => {
  it('reports a backend, the SIMD level and whether CUDA was compiled in', () => {
    const info = native.backendInfo('auto');
    expect(['cpu', 'cuda']).toContain(info.backend);
    expect(['portable', 'avx2', 'avx512']).toContain(info.simd);
    expect(typeof info.cudaCompiled).toBe('boolean');
    expect(info.threads).toBeGreaterThan(0);
    if (info.backend === 'cuda') expect(typeof info.gpuName).toBe('string');
    else expect(info.gpuName).toBeNull();
  });

  it('runs on the CPU when asked to', () => {
    expect(native.backendInfo('cpu').backend).toBe('cpu');
  });

  it('refuses an unknown device with a clear error', () => {
    expect(() => native.backendInfo('tpu')).toThrow(/ENGINE_DEVICE must be one of auto, cpu, cuda/);
    expect(() => native.backendInfo(42)).toThrow(/device must be a string/);
  });

  it('explains why cuda cannot be used where no GPU is usable', () => {
    const auto = native.backendInfo('auto');
    if (auto.cudaDevices > 0) {
      expect(native.backendInfo('cuda').backend).toBe('cuda');
    } else {
      expect(() => native.backendInfo('cuda')).toThrow(/ENGINE_DEVICE=cuda but no usable CUDA device/);
    }
  });
});

describe('backendInfo device fields', () => {
  it('names the GPU memory in total and in use on cuda, null on the cpu', () => {
    const cpu = native.backendInfo('cpu');
    expect(cpu.deviceMemoryBytes).toBeNull();
    expect(cpu.deviceMemoryUsedBytes).toBeNull();
    const auto = native.backendInfo('auto');
    if (auto.backend === 'cuda') {
      expect(auto.deviceMemoryBytes).toBeGreaterThan(0);
      expect(auto.deviceMemoryUsedBytes).toBeGreaterThan(0);
      expect(auto.deviceMemoryUsedBytes).toBeLessThanOrEqual(auto.deviceMemoryBytes);
    } else {
      expect(auto.deviceMemoryBytes).toBeNull();
    }
  });
});
