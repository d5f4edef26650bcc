/** What GET /readyz and the dashboard show about the engine. */
export interface EngineStatus {
  backend: 'cpu' | 'cuda';
  simd: string;
  cudaCompiled: boolean;
  gpuName: string | null;
  /** The GPU's memory in total and in use now (every process's), bytes; null on the CPU. */
  deviceMemory: { totalBytes: number; usedBytes: number } | null;
}

/** Public, unauthenticated identity of a running platform (GET /). */
export interface PlatformInfo {
  name: 'ChunkServe';
  version: string;
  engine: EngineStatus;
}
