// fp32 <-> the 16-bit storage types (fp16, bf16) in device code, round to nearest even, and the
// run-time dtype of a checkpoint tensor read as fp32. Included by the kernel headers only.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "common/dtype.h"

namespace chunkserve {

template <typename T> __device__ __forceinline__ T to_storage(float x);
template <> __device__ __forceinline__ __half to_storage<__half>(float x) { return __float2half_rn(x); }
template <> __device__ __forceinline__ __nv_bfloat16 to_storage<__nv_bfloat16>(float x) { return __float2bfloat16_rn(x); }

__device__ __forceinline__ float to_float(__half x) { return __half2float(x); }
__device__ __forceinline__ float to_float(__nv_bfloat16 x) { return __bfloat162float(x); }

// Element i of a buffer of run-time dtype t (a checkpoint tensor), as fp32.
__device__ __forceinline__ float device_load_float(DType t, const void* p, int64_t i) {
  if (t == DType::F32) return static_cast<const float*>(p)[i];
  if (t == DType::F16) return __half2float(static_cast<const __half*>(p)[i]);
  return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
}

}  // namespace chunkserve
