/** What the addon was built with and what it runs on. */
export interface BackendInfo {
  /** Backend selected by ENGINE_DEVICE (auto|cpu|cuda). */
  backend: 'cpu' | 'cuda';
  /** SIMD level of the CPU kernels chosen at run time: "avx512", "avx2", or "portable". */
  simd: string;
  /** Whether CUDA sources were compiled into this build. */
  cudaCompiled: boolean;
  /** Name of the GPU when the backend is cuda, else null. */
  gpuName: string | null;
  /** Number of CUDA devices visible (0 without a driver). */
  cudaDevices: number;
  /** Why CUDA is unavailable, when it is. */
  cudaError: string | null;
  /** Worker threads of the CPU thread pool. */
  threads: number;
}

/** Reports the backend; throws if ENGINE_DEVICE (or the argument) asks for cuda where there is none. */
export function backendInfo(device?: 'auto' | 'cpu' | 'cuda'): BackendInfo;
