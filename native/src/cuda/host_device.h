// CS_HD marks the small inline functions that both the CUDA kernels and host code (the C++ tests,
// the host emulations) call: the per-element math and the index arithmetic of the kernels live
// in headers that g++ compiles too, so a layout bug fails a CPU test before a GPU ever runs.
#pragma once

#if defined(__CUDACC__)
#define CS_HD __host__ __device__ __forceinline__
#else
#define CS_HD inline
#endif
