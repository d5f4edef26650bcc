// The CUDA backend's element-wise kernels: embedding rows, RMSNorm, RoPE, and the weights'
// conversion at load. Their per-element math is layer_math.h (shared with the host tests).
// Included by cuda_layers.cu only (the launchers).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/dtype_device.cuh"
#include "cuda/layer_math.h"

namespace chunkserve {
namespace layer_kernels {

constexpr int kRowThreads = 256;  // one block per row (token) in the row kernels

// Sum over the block (kRowThreads threads); every thread gets the total.
__device__ __forceinline__ float block_sum(float v) {
  __shared__ float part[kRowThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (threadIdx.x % 32 == 0) part[threadIdx.x / 32] = v;
  __syncthreads();
  float s = 0.f;
#pragma unroll
  for (int w = 0; w < kRowThreads / 32; ++w) s += part[w];
  return s;
}

// Block t: x[t] = table[tokens[t]] as fp32. table: [vocab][H] T, x: [n][H].
template <typename T>
__global__ void __launch_bounds__(kRowThreads) embed_kernel(const T* __restrict__ table, const int32_t* __restrict__ tokens,
                                                            int H, float* __restrict__ x) {
  const T* row = table + static_cast<int64_t>(tokens[blockIdx.x]) * H;
  float* out = x + static_cast<int64_t>(blockIdx.x) * H;
  for (int i = threadIdx.x; i < H; i += kRowThreads) out[i] = to_float(row[i]);
}

// Block r: y[r] = rms_norm(x[r]) * w. x, y: [n][dim] (y may alias x: each thread rewrites only
// the elements it read); w: [dim].
__global__ void __launch_bounds__(kRowThreads) rms_norm_kernel(const float* x, const float* __restrict__ w, int dim,
                                                               float eps, float* y) {
  const float* xr = x + static_cast<int64_t>(blockIdx.x) * dim;
  float* yr = y + static_cast<int64_t>(blockIdx.x) * dim;
  float ss = 0.f;
  for (int i = threadIdx.x; i < dim; i += kRowThreads) ss += xr[i] * xr[i];
  const float inv = layer_math::rms_inv(block_sum(ss), dim, eps);
  for (int i = threadIdx.x; i < dim; i += kRowThreads) yr[i] = layer_math::rms_apply(xr[i], inv, w[i]);
}

// Block t: rotates every head of token t at position pos[t]. x: [n][n_heads][head_dim];
// inv_freq: [head_dim / 2] double (the CPU Rope's table). One cos/sin per (token, pair), shared
// by the heads.
__global__ void rope_kernel(float* x, const int32_t* __restrict__ pos, const double* __restrict__ inv_freq, int n_heads,
                            int head_dim) {
  const int half = head_dim / 2, p = pos[blockIdx.x];
  float* xt = x + static_cast<int64_t>(blockIdx.x) * n_heads * head_dim;
  for (int i = threadIdx.x; i < half; i += blockDim.x) {
    float c, s;
    layer_math::rope_cos_sin(p, inv_freq[i], c, s);
    for (int h = 0; h < n_heads; ++h) layer_math::rope_rotate(xt[h * head_dim + i], xt[h * head_dim + i + half], c, s);
  }
}

// Weights at load: src [rows][cols] of run-time dtype -> dst rows dst_row_step elements apart.
template <typename T>
__global__ void convert_rows_kernel(const void* __restrict__ src, DType src_dtype, int64_t rows, int cols, T* dst,
                                    int64_t dst_row_step) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    dst[(i / cols) * dst_row_step + i % cols] = to_storage<T>(device_load_float(src_dtype, src, i));
}

}  // namespace layer_kernels
}  // namespace chunkserve
