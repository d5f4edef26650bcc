// The CUDA TPP attention kernel: one template for decode phase 1 (chunk-first), decode phase 2
// (sequence-first with the exact merge) and prefill. Included by tpp_kernels_{f16,bf16}.cu only.
//
// A block = 4 warps attends the rows of one piece (tpp_device_plan.h) for one KV head:
//   blockIdx.x = block of 64 rows of the piece, blockIdx.y = piece, blockIdx.z = KV head.
// Row blocks vary fastest so that the blocks of one (piece, head), which read the same K/V,
// run together and the second read finds it in L2 (GQA: batch x group rows > 64).
// Rows past the piece (a batch smaller than the tile) are zero in shared memory and never
// written: the kernel never reads outside its query tensor (the reference kernel does).
//
// Tensor cores: mma.sync m16n8k16, fp16|bf16 operands, fp32 accumulation; softmax in fp32.
// Each warp owns a 16-row tile. With few rows (decode sequence-first: group rows, often 1..8),
// the 4 warps split the chunk's 16-token key tiles instead (key split) and merge their states
// at the end, so no warp idles on small batches.
//
// Per warp and 16-token key tile (FlashAttention-2 register layout):
//   S[16x16] = Q[16xD] K^T (Q fragments stay in registers; K via ldmatrix)
//   online softmax in log2 units (scale * log2(e) folded in), P rounded to T in registers,
//   O[16xD] += P V (V via ldmatrix.trans).
// Chunks stream through two shared-memory stages with cp.async (16-byte, zero-filled past the
// chunk's valid tokens so masked keys multiply zeros, never stale data).
//
// Hopper (sm_90): programmatic dependent launch. Phase-1 blocks let the phase-2 grid launch as
// soon as every phase-1 block is running (griddepcontrol.launch_dependents); a phase-2 block
// attends its own chunks meanwhile and waits for phase 1 to finish and flush
// (griddepcontrol.wait) only before it reads the partial states. Without the launch attribute
// (other GPUs, CHUNKSERVE_CUDA_PDL=0) the launches serialise as usual and the wait returns at once.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cfloat>
#include <cstdint>

#include "cuda/mma_ptx.cuh"
#include "cuda/tpp_launch.h"

namespace chunkserve {
namespace tpp {

constexpr int kWarps = kTppThreads / 32;
constexpr int kPad = 8;  // elements of row padding: rows 16 bytes apart mod 128, no ldmatrix bank conflicts
constexpr float kNegInf = -INFINITY;

using ptx::cp_async16;
using ptx::cp_async_commit;
using ptx::cp_async_wait_all;
using ptx::ldmatrix_x4;
using ptx::ldmatrix_x4_trans;
using ptx::Mma;
using ptx::smem_addr;

// Valid tokens of a chunk: fixed, or (a sequence's own chunk) what its length says this step.
__device__ __forceinline__ int chunk_tokens(const TppChunkRef& ref, const TppKernelArgs& a, int q_begin) {
  if (ref.n_tokens >= 0) return ref.n_tokens;
  const int n = a.seq_len[q_begin] - ref.pos;
  return n < 0 ? 0 : (n > a.chunk_size ? a.chunk_size : n);
}

// Issues the cp.async copies of K and V rows [0, round16(n_tok)) of one chunk plane pair into a
// stage: Ks, Vs [chunk_size][D + kPad]; rows >= n_tok are zero-filled.
template <typename T, int D>
__device__ __forceinline__ void load_chunk(T* Ks, T* Vs, const T* k_plane, const T* v_plane, int n_tok) {
  constexpr int kVecs = D / 8;  // 16-byte vectors per row
  const int rows = (n_tok + 15) & ~15;
  for (int idx = threadIdx.x; idx < rows * kVecs; idx += kTppThreads) {
    const int r = idx / kVecs, v = (idx % kVecs) * 8;
    const bool ok = r < n_tok;
    cp_async16(Ks + r * (D + kPad) + v, ok ? k_plane + r * D + v : k_plane, ok ? 16 : 0);
    cp_async16(Vs + r * (D + kPad) + v, ok ? v_plane + r * D + v : v_plane, ok ? 16 : 0);
  }
}

// griddepcontrol (PTX ISA 7.8, sm_90+); nothing on older targets, where PDL is never requested.
__device__ __forceinline__ void allow_dependent_launch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void wait_for_prerequisite_grids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}

// The mode is a run-time argument, uniform across the grid: one instantiation per (T, D) instead
// of three keeps the build short; the branches cost nothing measurable in a memory-bound kernel.
template <typename T, int D>
__global__ void __launch_bounds__(kTppThreads) tpp_tile_kernel(const TppKernelArgs a, const TppMode mode) {
  constexpr int LD = D + kPad;    // shared row stride (elements)
  constexpr int LDO = D + 4;      // state row stride (floats)
  const bool causal = mode == TppMode::FinalPrefill;
  if (mode == TppMode::Partial) allow_dependent_launch();

  const TppPiece piece = a.pieces[blockIdx.y];
  const int kvh = blockIdx.z;
  const int group = a.group;
  const int rows_total = (piece.q_end - piece.q_begin) * group;
  const int row0 = blockIdx.x * kTppRowsPerBlock;
  if (row0 >= rows_total) return;  // whole block: this piece has fewer row blocks than the grid
  const int n_rows = min(kTppRowsPerBlock, rows_total - row0);
  const int n_rt = (n_rows + 15) / 16;  // row tiles in use (1..4)
  const int ksplit = kWarps / n_rt;     // warps per row tile splitting the key tiles (4, 2, 1, 1)
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int rt = warp % n_rt, ks = warp / n_rt;
  const bool computes = ks < ksplit;
  const int c = a.chunk_size;

  extern __shared__ __align__(16) unsigned char smem[];
  const int stage_elems = 2 * c * LD;  // K then V
  T* stage0 = reinterpret_cast<T*>(smem);
  T* stage1 = stage0 + stage_elems;
  T* Qs = stage1;  // [64][LD], consumed into registers before stage 1 is first used

  // Chunks this block reads: in prefill, none past its last query's position.
  int n_iter = piece.n_refs;
  if (causal) {
    const int last_qpos = a.q_pos0 + piece.q_begin + (row0 + n_rows - 1) / group;
    while (n_iter > 0 && a.refs[piece.ref_begin + n_iter - 1].pos > last_qpos) --n_iter;
  }
  const T* pool = static_cast<const T*>(a.pool);
  const int64_t plane = static_cast<int64_t>(c) * D;
  auto planes = [&](int i, const T*& kp, const T*& vp, int& n_tok) {
    const TppChunkRef ref = a.refs[piece.ref_begin + i];
    kp = pool + ref.chunk * a.chunk_elems + a.layer_offset + kvh * plane;
    vp = kp + a.n_kv_heads * plane;
    n_tok = chunk_tokens(ref, a, piece.q_begin);
  };

  // ---- query tile: fp32 -> T, rows past the piece zero --------------------------------------
  for (int idx = threadIdx.x; idx < kTppRowsPerBlock * (D / 8); idx += kTppThreads) {
    const int r = idx / (D / 8), d = (idx % (D / 8)) * 8;
    uint4 packed = make_uint4(0, 0, 0, 0);
    if (r < n_rows) {
      const int R = row0 + r;
      const int q = piece.q_begin + R / group;
      const int h = kvh * group + R % group;
      const float* src = a.q + (static_cast<int64_t>(a.q_row[q]) * a.n_heads + h) * D + d;
      const float4 x = *reinterpret_cast<const float4*>(src);
      const float4 y = *reinterpret_cast<const float4*>(src + 4);
      packed = make_uint4(Mma<T>::pack(x.x, x.y), Mma<T>::pack(x.z, x.w), Mma<T>::pack(y.x, y.y), Mma<T>::pack(y.z, y.w));
    }
    *reinterpret_cast<uint4*>(Qs + r * LD + d) = packed;
  }
  if (n_iter > 0) {
    const T *kp, *vp;
    int n_tok;
    planes(0, kp, vp, n_tok);
    load_chunk<T, D>(stage0, stage0 + c * LD, kp, vp, n_tok);
    cp_async_commit();
  }

  // Per-thread rows of its warp's tile: g and g + 8 (mma accumulator layout).
  const int g = lane / 4, t4 = lane % 4;
  int qpos[2] = {0, 0};
  if (causal) {
    for (int h = 0; h < 2; ++h) qpos[h] = a.q_pos0 + piece.q_begin + (row0 + rt * 16 + g + 8 * h) / group;
  }

  uint32_t qf[D / 16][4];
  float o[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
  float m_run[2] = {kNegInf, kNegInf}, l_run[2] = {0.f, 0.f};

  __syncthreads();  // Qs written
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) ldmatrix_x4(qf[kk], Qs + (rt * 16 + (lane & 15)) * LD + kk * 16 + (lane >> 4) * 8);

  for (int i = 0; i < n_iter; ++i) {
    cp_async_wait_all();
    __syncthreads();  // chunk i visible; every warp done with chunk i - 1 (and with Qs)
    T* cur = (i & 1) ? stage1 : stage0;
    const TppChunkRef ref = a.refs[piece.ref_begin + i];
    const int n_tok = chunk_tokens(ref, a, piece.q_begin);
    if (i + 1 < n_iter) {
      T* nxt = (i & 1) ? stage0 : stage1;
      const T *kp, *vp;
      int nt;
      planes(i + 1, kp, vp, nt);
      load_chunk<T, D>(nxt, nxt + c * LD, kp, vp, nt);
      cp_async_commit();
    }
    if (!computes) continue;
    const T* Ks = cur;
    const T* Vs = cur + c * LD;
    const int ktiles = (n_tok + 15) / 16;
    for (int kt = ks; kt < ktiles; kt += ksplit) {
      // S = Q K^T for 16 keys
      float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
      const T* Kt = Ks + kt * 16 * LD;
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        uint32_t b[4];
        const int mi = lane >> 3, r = lane & 7;
        ldmatrix_x4(b, Kt + (r + (mi >> 1) * 8) * LD + kk * 16 + (mi & 1) * 8);
        Mma<T>::mma(s[0], qf[kk], b[0], b[1]);
        Mma<T>::mma(s[1], qf[kk], b[2], b[3]);
      }
      // mask, scale, row max
      float mx[2] = {kNegInf, kNegInf};
#pragma unroll
      for (int j = 0; j < 2; ++j) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int tok = kt * 16 + j * 8 + 2 * t4 + (e & 1);
          bool ok = tok < n_tok;
          if (causal) ok = ok && (ref.pos + tok <= qpos[e >> 1]);
          s[j][e] = ok ? s[j][e] * a.scale_log2 : kNegInf;
          mx[e >> 1] = fmaxf(mx[e >> 1], s[j][e]);
        }
      }
      float alpha[2], base[2];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        mx[h] = fmaxf(mx[h], __shfl_xor_sync(0xffffffffu, mx[h], 1));
        mx[h] = fmaxf(mx[h], __shfl_xor_sync(0xffffffffu, mx[h], 2));
        const float m_new = fmaxf(m_run[h], mx[h]);
        base[h] = m_new == kNegInf ? 0.f : m_new;  // a row with no visible key yet stays empty, not NaN
        alpha[h] = exp2f(m_run[h] - base[h]);
        m_run[h] = m_new;
      }
      float psum[2] = {0.f, 0.f};
#pragma unroll
      for (int j = 0; j < 2; ++j) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          s[j][e] = exp2f(s[j][e] - base[e >> 1]);
          psum[e >> 1] += s[j][e];
        }
      }
#pragma unroll
      for (int h = 0; h < 2; ++h) l_run[h] = l_run[h] * alpha[h] + psum[h];
#pragma unroll
      for (int n = 0; n < D / 8; ++n) {
        o[n][0] *= alpha[0];
        o[n][1] *= alpha[0];
        o[n][2] *= alpha[1];
        o[n][3] *= alpha[1];
      }
      // O += P V: the S accumulators are already the A-fragment layout of P.
      const uint32_t pa[4] = {Mma<T>::pack(s[0][0], s[0][1]), Mma<T>::pack(s[0][2], s[0][3]),
                              Mma<T>::pack(s[1][0], s[1][1]), Mma<T>::pack(s[1][2], s[1][3])};
      const T* Vt = Vs + kt * 16 * LD;
#pragma unroll
      for (int dn = 0; dn < D / 16; ++dn) {
        uint32_t b[4];
        const int mi = lane >> 3, r = lane & 7;
        ldmatrix_x4_trans(b, Vt + (r + (mi & 1) * 8) * LD + dn * 16 + (mi >> 1) * 8);
        Mma<T>::mma(o[2 * dn], pa, b[0], b[1]);
        Mma<T>::mma(o[2 * dn + 1], pa, b[2], b[3]);
      }
    }
  }

  // ---- merge the warps' states (key split), then the phase-1 partials ------------------------
  if (mode == TppMode::FinalDecode) wait_for_prerequisite_grids();  // partials complete and visible
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    l_run[h] += __shfl_xor_sync(0xffffffffu, l_run[h], 1);
    l_run[h] += __shfl_xor_sync(0xffffffffu, l_run[h], 2);
  }
  __syncthreads();  // stages free: reuse them for the states
  float* st_o = reinterpret_cast<float*>(smem);  // [kWarps][16][LDO]
  float* st_m = st_o + kWarps * 16 * LDO;        // [kWarps][16]
  float* st_l = st_m + kWarps * 16;              // [kWarps][16]
  float* row_m = st_l + kWarps * 16;             // [64] merged row max
  float* row_l = row_m + kTppRowsPerBlock;       // [64] merged row sum
  if (computes) {
    float* so = st_o + warp * 16 * LDO;
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      so[g * LDO + n * 8 + 2 * t4] = o[n][0];
      so[g * LDO + n * 8 + 2 * t4 + 1] = o[n][1];
      so[(g + 8) * LDO + n * 8 + 2 * t4] = o[n][2];
      so[(g + 8) * LDO + n * 8 + 2 * t4 + 1] = o[n][3];
    }
    if (t4 == 0) {
      st_m[warp * 16 + g] = m_run[0];
      st_m[warp * 16 + g + 8] = m_run[1];
      st_l[warp * 16 + g] = l_run[0];
      st_l[warp * 16 + g + 8] = l_run[1];
    }
  }
  __syncthreads();
  auto row_query = [&](int r, int& q, int& h) {
    const int R = row0 + r;
    q = piece.q_begin + R / group;
    h = kvh * group + R % group;
  };
  for (int r = threadIdx.x; r < n_rows; r += kTppThreads) {
    const int rtile = r / 16, rr = r % 16;
    float M = kNegInf;
    for (int k = 0; k < ksplit; ++k) M = fmaxf(M, st_m[(rtile + k * n_rt) * 16 + rr]);
    int q, h;
    row_query(r, q, h);
    if (mode == TppMode::FinalDecode)
      for (int k = piece.merge_begin; k < piece.merge_end; ++k)
        M = fmaxf(M, a.part_ml[(static_cast<int64_t>(a.merge_rows[k]) * a.n_heads + h) * 2]);
    float L = 0.f;
    if (M != kNegInf) {
      for (int k = 0; k < ksplit; ++k) {
        const int w = rtile + k * n_rt;
        L += exp2f(st_m[w * 16 + rr] - M) * st_l[w * 16 + rr];
      }
      if (mode == TppMode::FinalDecode)
        for (int k = piece.merge_begin; k < piece.merge_end; ++k) {
          const float* ml = a.part_ml + (static_cast<int64_t>(a.merge_rows[k]) * a.n_heads + h) * 2;
          L += exp2f(ml[0] - M) * ml[1];
        }
    }
    row_m[r] = M;
    row_l[r] = L;
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < n_rows * D; idx += kTppThreads) {
    const int r = idx / D, d = idx % D;
    const int rtile = r / 16, rr = r % 16;
    const float M = row_m[r];
    int q, h;
    row_query(r, q, h);
    float acc = 0.f;
    if (M != kNegInf) {
      for (int k = 0; k < ksplit; ++k) {
        const int w = rtile + k * n_rt;
        acc += exp2f(st_m[w * 16 + rr] - M) * st_o[(w * 16 + rr) * LDO + d];
      }
      if (mode == TppMode::FinalDecode)
        for (int k = piece.merge_begin; k < piece.merge_end; ++k) {
          const int64_t pr = static_cast<int64_t>(a.merge_rows[k]) * a.n_heads + h;
          acc += exp2f(a.part_ml[pr * 2] - M) * a.part_o[pr * D + d];
        }
    }
    if (mode == TppMode::Partial) {
      const int64_t pr = static_cast<int64_t>(piece.out_row + (q - piece.q_begin)) * a.n_heads + h;
      a.part_o[pr * D + d] = acc;
      if (d == 0) {
        a.part_ml[pr * 2] = M;
        a.part_ml[pr * 2 + 1] = row_l[r];
      }
    } else {
      const float L = row_l[r];
      a.out[(static_cast<int64_t>(a.q_row[q]) * a.n_heads + h) * D + d] = L > 0.f ? acc / L : 0.f;
    }
  }
}

template <typename T, int D>
int launch_mode(TppMode mode, const TppKernelArgs& args, int n_pieces, int row_blocks, bool programmatic, void* stream) {
  const size_t smem = tpp_smem_bytes(D, args.chunk_size);
  auto kernel = tpp_tile_kernel<T, D>;
  // Above 48 KB a block needs an opt-in; raise it once per instantiation (scheduler thread only).
  static size_t opted_in = 48 * 1024;
  if (smem > opted_in) {
    cudaError_t err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    if (err != cudaSuccess) return err;
    opted_in = smem;
  }
  if (n_pieces == 0) return cudaSuccess;
  if (n_pieces > 65535 || args.n_kv_heads > 65535) return cudaErrorInvalidConfiguration;
  const dim3 grid(row_blocks, n_pieces, args.n_kv_heads);
  if (!programmatic) {
    kernel<<<grid, kTppThreads, smem, static_cast<cudaStream_t>(stream)>>>(args, mode);
    return cudaGetLastError();
  }
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = dim3(kTppThreads);
  config.dynamicSmemBytes = smem;
  config.stream = static_cast<cudaStream_t>(stream);
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  config.attrs = attr;
  config.numAttrs = 1;
  return cudaLaunchKernelEx(&config, kernel, args, mode);
}

template <typename T>
int launch_dtype(int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces, int row_blocks, bool programmatic,
                 void* stream) {
#define CHUNKSERVE_TPP_CASE(D) \
  if (head_dim == D) return launch_mode<T, D>(mode, args, n_pieces, row_blocks, programmatic, stream);
  CHUNKSERVE_TPP_CASE(64)
  CHUNKSERVE_TPP_CASE(80)
  CHUNKSERVE_TPP_CASE(96)
  CHUNKSERVE_TPP_CASE(128)
#undef CHUNKSERVE_TPP_CASE
  return cudaErrorInvalidValue;
}

}  // namespace tpp
}  // namespace chunkserve
