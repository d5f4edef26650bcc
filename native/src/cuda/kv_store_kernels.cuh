// Kernels that write fp32 K/V rows into the device chunk pool in its storage type. Included by
// tpp_decoder.cu (decode append), tpp_prefill.cu (prefill rows) and cuda_backend.cu (a serving
// step's prefill rows) only.
//
// Pool layout (cache/chunk_layout.h): chunk [n_layers][2][n_kv_heads][chunk_size][head_dim];
// layer_offset is the element offset of a chunk's (layer, K, head 0) plane, so K of head h and
// slot t is at + (h * c + t) * D and V n_kv * c * D elements later.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "cuda/dtype_device.cuh"
#include "cuda/tpp_device_plan.h"

namespace chunkserve {

// Decode append: block (DFS position i, KV head h) writes row seq_len[i] - 1 of K and V.
// k, v: [n_seqs][n_kv_heads][head_dim] fp32, batch order (q_row maps DFS -> batch).
template <typename T>
__global__ void append_decode_kernel(T* pool, int64_t chunk_elems, int64_t layer_offset, int c, int D, int n_kv,
                                     const TppPiece* seq_first, const TppChunkRef* refs, const int32_t* seq_len,
                                     const int32_t* q_row, const float* k, const float* v) {
  const int i = blockIdx.x, h = blockIdx.y;
  const int len = seq_len[i];
  const int ref = find_append_ref(refs, seq_first[i], len, c);
  if (ref < 0) return;  // excluded on the host (CudaTppDecoder::append_kv)
  const TppChunkRef r = refs[ref];
  T* kd = pool + r.chunk * chunk_elems + layer_offset + (static_cast<int64_t>(h) * c + (len - 1 - r.pos)) * D;
  T* vd = kd + static_cast<int64_t>(n_kv) * c * D;
  const int64_t src = (static_cast<int64_t>(q_row[i]) * n_kv + h) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kd[d] = to_storage<T>(k[src + d]);
    vd[d] = to_storage<T>(v[src + d]);
  }
}

// Prefill store: block (token t, KV head h) writes position pos0 + t of the path (path[k] is the
// sequence's chunk k). k, v: [n_q][n_kv_heads][head_dim] fp32.
template <typename T>
__global__ void write_rows_kernel(T* pool, int64_t chunk_elems, int64_t layer_offset, int c, int D, int n_kv,
                                  const TppChunkRef* path, int pos0, const float* k, const float* v) {
  const int t = blockIdx.x, h = blockIdx.y;
  const int pos = pos0 + t;
  T* kd = pool + path[pos / c].chunk * chunk_elems + layer_offset + (static_cast<int64_t>(h) * c + pos % c) * D;
  T* vd = kd + static_cast<int64_t>(n_kv) * c * D;
  const int64_t src = (static_cast<int64_t>(t) * n_kv + h) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kd[d] = to_storage<T>(k[src + d]);
    vd[d] = to_storage<T>(v[src + d]);
  }
}

// Serving store of the prefill rows of one step, every span at once: block (i, KV head h) writes
// batch row rows[i] into slot slots[i] (= chunk * c + position % c). k, v: [n_rows][n_kv][D] fp32
// (the step's whole batch), rows, slots: [n] (CudaBackend builds them once per step).
template <typename T>
__global__ void store_slots_kernel(T* pool, int64_t chunk_elems, int64_t layer_offset, int c, int D, int n_kv,
                                   const int32_t* rows, const int32_t* slots, const float* k, const float* v) {
  const int i = blockIdx.x, h = blockIdx.y;
  const int slot = slots[i];
  T* kd = pool + static_cast<int64_t>(slot / c) * chunk_elems + layer_offset + (static_cast<int64_t>(h) * c + slot % c) * D;
  T* vd = kd + static_cast<int64_t>(n_kv) * c * D;
  const int64_t src = (static_cast<int64_t>(rows[i]) * n_kv + h) * D;
  for (int d = threadIdx.x; d < D; d += blockDim.x) {
    kd[d] = to_storage<T>(k[src + d]);
    vd[d] = to_storage<T>(v[src + d]);
  }
}

}  // namespace chunkserve
