// The CUDA backend's GEMM kernels: y = epilogue(x W^T) on tensor cores (mma.sync.m16n8k16,
// fp16|bf16 operands, fp32 accumulation). Every index, fragment and epilogue mapping comes from
// gemm_layout.h, which states the layouts and whose host emulation the C++ tests run. Included
// by cuda_gemm.cu only (the launchers).
//
//   tiled_kernel   prefill (M > kSkinnyMaxRows): x and W tiles through kStages shared-memory
//                  stages (cp.async, XOR-swizzled), ldmatrix.x4 fragments, kBM x kBN per block.
//   skinny_kernel  decode (M <= kSkinnyMaxRows): W streamed once from global memory with
//                  16-byte loads as the mma's A operand, x (fp32, tiny) as its B operand, warps
//                  splitting K, partial tiles added in shared memory.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/dtype_device.cuh"
#include "cuda/gemm_layout.h"
#include "cuda/mma_ptx.cuh"

namespace chunkserve {
namespace gemm {

// Tiled: grid (ceil(N / kBN), ceil(M / kBM)) x kThreads threads.
// x: [M][K] T (16-byte aligned rows: K % 8 == 0), w: [N][K] T.
template <typename T>
__global__ void __launch_bounds__(kThreads) tiled_kernel(const T* __restrict__ x, const T* __restrict__ w, int M, int N,
                                                         int K, const GemmOut o) {
  __shared__ __align__(128) uint4 smem[kStages * kStageVecs];  // [stage][x tile | W tile] swizzled 16-byte vectors
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int bm = blockIdx.y * kBM, bn = blockIdx.x * kBN;
  const int n_kt = (K + kBK - 1) / kBK;

  auto load_stage = [&](int kt, int stage) {
    uint4* sa = smem + stage * kStageVecs;
    uint4* sb = sa + kTileVecsA;
    const int k0 = kt * kBK;
#pragma unroll
    for (int i = 0; i < kTileVecsA / kThreads; ++i) {
      const int idx = tid + i * kThreads, row = copy_row(idx), k = k0 + copy_vec(idx) * kVec;
      const bool ok = bm + row < M && k < K;  // outside: zero-filled (src_bytes 0), never read
      ptx::cp_async16(sa + swizzle(row, copy_vec(idx)), ok ? x + static_cast<int64_t>(bm + row) * K + k : x, ok ? 16 : 0);
    }
#pragma unroll
    for (int i = 0; i < kTileVecsB / kThreads; ++i) {
      const int idx = tid + i * kThreads, row = copy_row(idx), k = k0 + copy_vec(idx) * kVec;
      const bool ok = bn + row < N && k < K;
      ptx::cp_async16(sb + swizzle(row, copy_vec(idx)), ok ? w + static_cast<int64_t>(bn + row) * K + k : w, ok ? 16 : 0);
    }
  };

  float acc[kFragsM][kFragsN][4];
#pragma unroll
  for (int mi = 0; mi < kFragsM; ++mi)
#pragma unroll
    for (int ni = 0; ni < kFragsN; ++ni) acc[mi][ni][0] = acc[mi][ni][1] = acc[mi][ni][2] = acc[mi][ni][3] = 0.f;

  load_stage(0, 0);
  ptx::cp_async_commit();
  for (int kt = 0; kt < n_kt; ++kt) {
    // Prefetch the next tile into the other stage (every warp left it at the last barrier).
    if (kt + 1 < n_kt) {
      load_stage(kt + 1, (kt + 1) & 1);
      ptx::cp_async_commit();
      ptx::cp_async_wait_group<1>();  // tile kt landed, tile kt + 1 may still be in flight
    } else {
      ptx::cp_async_wait_group<0>();
    }
    __syncthreads();
    const uint4* sa = smem + (kt & 1) * kStageVecs;
    const uint4* sb = sa + kTileVecsA;
#pragma unroll
    for (int ks = 0; ks < kBK / 16; ++ks) {
      uint32_t af[kFragsM][4], bf[kFragsN][2];
#pragma unroll
      for (int mi = 0; mi < kFragsM; ++mi)
        ptx::ldmatrix_x4(af[mi], sa + swizzle(warp_row0(warp) + mi * 16 + a_ld_row(lane), a_ld_vec(lane, ks)));
#pragma unroll
      for (int nj = 0; nj < kFragsN / 2; ++nj) {
        uint32_t r[4];
        ptx::ldmatrix_x4(r, sb + swizzle(warp_col0(warp) + nj * 16 + b_ld_row(lane), b_ld_vec(lane, ks)));
        bf[2 * nj][0] = r[0];
        bf[2 * nj][1] = r[1];
        bf[2 * nj + 1][0] = r[2];
        bf[2 * nj + 1][1] = r[3];
      }
#pragma unroll
      for (int mi = 0; mi < kFragsM; ++mi)
#pragma unroll
        for (int ni = 0; ni < kFragsN; ++ni) ptx::Mma<T>::mma(acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
    }
    __syncthreads();  // every warp is done with this stage before it is refilled
  }

  // Epilogue: element pairs (e, e + 1) are adjacent columns of one row: a gate/up pair (SwiGLU).
#pragma unroll
  for (int mi = 0; mi < kFragsM; ++mi)
#pragma unroll
    for (int ni = 0; ni < kFragsN; ++ni)
#pragma unroll
      for (int e = 0; e < 4; e += 2) {
        const int row = bm + warp_row0(warp) + mi * 16 + c_frag_row(lane, e);
        const int n = bn + warp_col0(warp) + ni * 8 + c_frag_col(lane, e);
        if (row >= M || n >= N) continue;
        if (o.mode == Epilogue::SwiGLU) {
          write_swiglu(o, row, n, acc[mi][ni][e], acc[mi][ni][e + 1]);
        } else {
          write_out(o, row, n, acc[mi][ni][e]);
          if (n + 1 < N) write_out(o, row, n + 1, acc[mi][ni][e + 1]);
        }
      }
}

// 16 bytes of weights that nothing reads again: past L1, no allocation there.
__device__ __forceinline__ uint4 load_stream16(const void* p) {
  uint4 r;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w)
               : "l"(p));
  return r;
}

// Skinny: grid ceil(N / kSkinnyRows) x kSkinnyThreads threads; NT n8 tiles of tokens (M <= 8 NT).
// x: [M][K] fp32 (rounded to T as it is loaded), w: [N][K] T.
template <typename T, int NT>
__global__ void __launch_bounds__(kSkinnyThreads) skinny_kernel(const float* __restrict__ x, const T* __restrict__ w,
                                                                int M, int N, int K, const GemmOut o) {
  __shared__ float red[kSkinnyWarps][kSkinnyRows][8 * NT];  // each warp's partial y^T tile
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2;
  const int n0 = blockIdx.x * kSkinnyRows;
  const bool row_ok[2] = {n0 + g < N, n0 + g + 8 < N};
  const T* wrow[2] = {w + static_cast<int64_t>(row_ok[0] ? n0 + g : 0) * K, w + static_cast<int64_t>(row_ok[1] ? n0 + g + 8 : 0) * K};
  const int n_kb = (K + kSkinnyKBlock - 1) / kSkinnyKBlock;

  float acc[NT][4];
#pragma unroll
  for (int nt = 0; nt < NT; ++nt) acc[nt][0] = acc[nt][1] = acc[nt][2] = acc[nt][3] = 0.f;

#pragma unroll 4
  for (int kb = warp; kb < n_kb; kb += kSkinnyWarps) {
    const int k = skinny_k(lane, kb);
    const bool k_ok = k < K;
    uint32_t wv[2][4];  // 8 weights of rows g and g + 8: 4 packed pairs each
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const uint4 v = row_ok[r] && k_ok ? load_stream16(wrow[r] + k) : make_uint4(0, 0, 0, 0);
      wv[r][0] = v.x, wv[r][1] = v.y, wv[r][2] = v.z, wv[r][3] = v.w;
    }
    uint32_t xv[NT][4];  // 8 activations of token 8 nt + g, rounded and packed
#pragma unroll
    for (int nt = 0; nt < NT; ++nt) {
      const int tok = nt * 8 + g;
      if (tok < M && k_ok) {
        const float4 a = *reinterpret_cast<const float4*>(x + static_cast<int64_t>(tok) * K + k);
        const float4 b = *reinterpret_cast<const float4*>(x + static_cast<int64_t>(tok) * K + k + 4);
        xv[nt][0] = ptx::Mma<T>::pack(a.x, a.y), xv[nt][1] = ptx::Mma<T>::pack(a.z, a.w);
        xv[nt][2] = ptx::Mma<T>::pack(b.x, b.y), xv[nt][3] = ptx::Mma<T>::pack(b.z, b.w);
      } else {
        xv[nt][0] = xv[nt][1] = xv[nt][2] = xv[nt][3] = 0u;
      }
    }
#pragma unroll
    for (int s = 0; s < 2; ++s) {
      // Register pairs: element 2p, 2p + 1 of a load is pair p (skinny_a_elem / skinny_b_elem / 2).
      uint32_t a[4];
#pragma unroll
      for (int r = 0; r < 4; ++r) a[r] = wv[r & 1][skinny_a_elem(s, r, 0) / 2];
#pragma unroll
      for (int nt = 0; nt < NT; ++nt)
        ptx::Mma<T>::mma(acc[nt], a, xv[nt][skinny_b_elem(s, 0, 0) / 2], xv[nt][skinny_b_elem(s, 1, 0) / 2]);
    }
  }

#pragma unroll
  for (int nt = 0; nt < NT; ++nt)
#pragma unroll
    for (int e = 0; e < 4; ++e) red[warp][c_frag_row(lane, e)][nt * 8 + c_frag_col(lane, e)] = acc[nt][e];
  __syncthreads();
  for (int idx = threadIdx.x; idx < kSkinnyRows * 8 * NT; idx += kSkinnyThreads) {
    const int row = idx / (8 * NT), tok = idx % (8 * NT), n = n0 + row;
    if (tok >= M || n >= N) continue;
    float v = 0.f;
#pragma unroll
    for (int wp = 0; wp < kSkinnyWarps; ++wp) v += red[wp][row][tok];
    if (o.mode == Epilogue::SwiGLU) {
      if (row & 1) continue;  // the up half of a pair: its gate's thread writes both
      float u = 0.f;
#pragma unroll
      for (int wp = 0; wp < kSkinnyWarps; ++wp) u += red[wp][row + 1][tok];
      write_swiglu(o, tok, n, v, u);
    } else {
      write_out(o, tok, n, v);
    }
  }
}

// fp32 -> T, 8 elements per thread (n % 8 == 0): the tiled kernel's x operand.
template <typename T>
__global__ void to_16bit_kernel(const float* __restrict__ x, T* __restrict__ y, int64_t n) {
  const int64_t i = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) * 8;
  if (i >= n) return;
  const float4 a = *reinterpret_cast<const float4*>(x + i);
  const float4 b = *reinterpret_cast<const float4*>(x + i + 4);
  *reinterpret_cast<uint4*>(y + i) = make_uint4(ptx::Mma<T>::pack(a.x, a.y), ptx::Mma<T>::pack(a.z, a.w),
                                                ptx::Mma<T>::pack(b.x, b.y), ptx::Mma<T>::pack(b.z, b.w));
}

}  // namespace gemm
}  // namespace chunkserve
