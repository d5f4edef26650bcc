// Facts about this machine for every benchmark result (the machine changes between sessions):
// lscpu's model, cores, the SIMD flags that matter, cache sizes; and the limits the engine
// measures in the same run (native.machineLimits: FMA peak, copy and read bandwidth).
'use strict';
const { execFileSync } = require('child_process');
const os = require('os');

/**
 * A cache size as glibc reads it from CPUID (`getconf`), for VMs whose lscpu names no caches; a
 * hypervisor may report the host's whole L3 here. Null when unknown.
 */
function cpuidCache(name) {
  try {
    const bytes = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return bytes > 0 ? `${Math.round(bytes / 1024)} KiB (CPUID via getconf)` : null;
  } catch {
    return null;
  }
}

function lscpu() {
  try {
    const out = execFileSync('lscpu', { encoding: 'utf8' });
    const field = (name) => (out.match(new RegExp(`^${name}:\\s*(.+)$`, 'm')) || [])[1]?.trim() ?? null;
    const flags = (field('Flags') || '').split(/\s+/);
    const simd = flags.filter((f) => /^(avx2|fma|f16c|avx512f|avx512bw|avx512vl|avx512_bf16|avx512_fp16|avx512_vnni|amx_bf16)$/.test(f));
    return {
      model: field('Model name'),
      cpus: Number(field('CPU\\(s\\)')),
      threads_per_core: Number(field('Thread\\(s\\) per core')),
      simd_flags: simd,
      l2: field('L2 cache') ?? cpuidCache('LEVEL2_CACHE_SIZE'),
      l3: field('L3 cache') ?? cpuidCache('LEVEL3_CACHE_SIZE'),
    };
  } catch {
    return { model: os.cpus()[0]?.model ?? 'unknown', cpus: os.cpus().length };
  }
}

/** lscpu facts plus the measured limits; probeBytes past the last-level cache. */
function machineFacts(native, probeBytes = 512 << 20, iterations = 3) {
  const limits = native.machineLimits(probeBytes, iterations);
  return {
    cpu: lscpu(),
    node: process.version,
    limits: {
      threads: limits.threads,
      simd: limits.simd,
      fma_gflops: round(limits.fmaGflops),
      copy_GBps: round(limits.copyGBps),
      read_GBps: round(limits.readGBps),
      gemm_tiles: native.backendInfo().gemmTiles,
    },
  };
}

const round = (x) => Math.round(x * 100) / 100;

module.exports = { lscpu, machineFacts };
