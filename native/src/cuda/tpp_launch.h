// Kernel arguments and launch entry points of the CUDA TPP attention kernel (tpp_kernels.cuh).
// Plain C++ (no CUDA types) so host code can fill the arguments; the launchers live in the .cu
// files and take the stream as void* (a cudaStream_t).
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/dtype.h"
#include "cuda/tpp_device_plan.h"

namespace chunkserve {

// What a block does with its rows' softmax state at the end.
enum class TppMode : int {
  Partial = 0,       // phase 1: write unnormalised O, row max and row sum to the partial buffers
  FinalDecode = 1,   // phase 2: merge the listed partial rows, normalise, write out
  FinalPrefill = 2,  // prefill: causal mask (key pos <= query pos), normalise, write out
};

// Device pointers; every array is described in tpp_device_plan.h.
struct TppKernelArgs {
  const void* pool = nullptr;     // [capacity][n_layers][2][n_kv_heads][chunk_size][head_dim] fp16|bf16
  int64_t chunk_elems = 0;        // elements per chunk
  int64_t layer_offset = 0;       // elements from a chunk's start to its layer's K plane of head 0
  int32_t chunk_size = 64;
  int32_t n_heads = 1, n_kv_heads = 1, group = 1;
  const TppPiece* pieces = nullptr;     // [n_pieces] of this launch
  const TppChunkRef* refs = nullptr;    // [n_refs]
  const int32_t* merge_rows = nullptr;  // FinalDecode
  const int32_t* seq_len = nullptr;     // [n_seqs] decode lengths, DFS order
  const int32_t* q_row = nullptr;       // [n_seqs] row of q/out of query q
  const float* q = nullptr;             // [n_rows][n_heads][head_dim] fp32
  float* out = nullptr;                 // [n_rows][n_heads][head_dim] fp32 (final modes)
  float* part_o = nullptr;              // [n_partial_rows][n_heads][head_dim] unnormalised O
  float* part_ml = nullptr;             // [n_partial_rows][n_heads][2] row max (log2 units), row sum
  float scale_log2 = 0.f;               // log2(e) / sqrt(head_dim)
  int32_t q_pos0 = 0;                   // FinalPrefill: position of query 0
};

// Dynamic shared memory of one block (bytes): two chunk stages (the query tile aliases stage 1
// before the first prefetch) or the warps' final states, whichever is larger.
inline size_t tpp_smem_bytes(int head_dim, int chunk_size) {
  const size_t ld = static_cast<size_t>(head_dim) + 8;          // padded row (elements, 2 bytes)
  const size_t stage = 2 * static_cast<size_t>(chunk_size) * ld * 2;  // K and V of one chunk
  const size_t query = static_cast<size_t>(kTppRowsPerBlock) * ld * 2;
  const size_t warps = kTppThreads / 32;
  const size_t states = (warps * 16 * (head_dim + 4) + warps * 16 * 2 + 2 * kTppRowsPerBlock) * 4;
  size_t bytes = 2 * stage;
  if (stage + query > bytes) bytes = stage + query;
  if (states > bytes) bytes = states;
  return bytes;
}

// Launches grid (row_blocks, n_pieces, n_kv_heads) x kTppThreads. Returns a cudaError_t value
// (0 = success). dtype: F16 or BF16; head_dim 64, 80, 96 or 128 (check_tpp_shape first).
// programmatic: launch with programmatic stream serialisation (Hopper PDL; FinalDecode after a
// Partial launch only), see tpp_kernels.cuh.
int launch_tpp_tiles(DType dtype, int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces,
                     int row_blocks, bool programmatic, void* stream);
int launch_tpp_tiles_f16(int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces, int row_blocks,
                         bool programmatic, void* stream);
int launch_tpp_tiles_bf16(int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces, int row_blocks,
                          bool programmatic, void* stream);

// Blocks of kTppRowsPerBlock rows for `rows` query rows (at least one).
inline int tpp_row_blocks(int rows) { return rows < 1 ? 1 : (rows + kTppRowsPerBlock - 1) / kTppRowsPerBlock; }

}  // namespace chunkserve
