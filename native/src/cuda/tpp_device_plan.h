// The CUDA backend's launch plan: the engine's DecodeWorkList (attention/decode_work_list.h)
// translated, segment for piece, into the flat arrays the GPU kernels read. Plain host code, no
// CUDA: it is built and unit-tested on machines without a GPU (see tpp_host_exec.h).
//
// Both decode phases and prefill run one kernel, tpp_tile_kernel (tpp_kernels.cuh): a block
// attends a set of query rows to a list of chunks for one KV head. A "piece" is one such job:
//   rows   = (q_end - q_begin) * group, row r -> query q_begin + r / group,
//            query head kv_head * group + r % group          (group = n_heads / n_kv_heads)
//   chunks = refs[ref_begin, ref_begin + n_refs)
//
// Decode, phase 1 (chunk-first): one piece per segment of the work list (a run of shared chunks
// covering the same range, split by the work list's SegmentPolicy: cuda_segment_policy() sizes
// it for the GPU). Each piece leaves ONE partial softmax state per covered (sequence, head), so
// phase 2 merges a handful of partials rather than every shared chunk. Partial rows:
// piece.out_row + (q - q_begin), the work list's own partial rows.
// Decode, phase 2 (sequence-first): piece i = DFS position i; its refs are the sequence's own
// chunks; it merges partial rows merge_rows[merge_begin, merge_end) and writes the output.
// Prefill: one piece over the sequence's chunks with causal masking.
//
// Only sequence lengths change between steps: a ref with n_tokens < 0 takes
// clamp(seq_len[q_begin] - pos, 0, chunk_size) tokens at run time, so the plan is rebuilt (and
// re-uploaded) only when the work list is rebuilt.
#pragma once
#include <cstdint>
#include <vector>

#include "attention/decode_work_list.h"
#include "cache/chunk_layout.h"

namespace chunkserve {

// One chunk a piece reads. 12 bytes, read by every thread of a block (broadcast).
struct TppChunkRef {
  int32_t chunk;     // index into the chunk pool
  int32_t pos;       // sequence position of the chunk's first token (causal masking, tail length)
  int32_t n_tokens;  // valid tokens; < 0: from seq_len at run time (a sequence's own chunks)
};

// One block's job (times n_kv_heads and row blocks of kTppRowsPerBlock rows). A launch takes
// at most 65535 pieces (a grid dimension): decode batches and phase-1 pieces stay far below.
struct TppPiece {
  int32_t ref_begin, n_refs;        // chunks: refs[ref_begin, ref_begin + n_refs)
  int32_t q_begin, q_end;           // queries (DFS positions in decode, tokens in prefill)
  int32_t out_row;                  // phase 1: partial row of q_begin
  int32_t merge_begin, merge_end;   // phase 2: merge_rows[merge_begin, merge_end)
  int32_t unused = 0;               // pads to 32 bytes
};

constexpr int kTppRowsPerBlock = 64;  // 4 warps x 16 rows (one mma row tile per warp)
constexpr int kTppThreads = 128;

struct TppDevicePlan {
  uint64_t cache_version = 0;
  int32_t n_seqs = 0;
  int32_t group = 1;        // query heads per KV head
  int32_t chunk_size = 64;

  std::vector<TppPiece> chunk_first;   // phase 1 pieces
  std::vector<TppPiece> seq_first;     // [n_seqs] phase 2 piece of DFS position i
  std::vector<TppChunkRef> refs;       // chunks of every piece
  std::vector<int32_t> merge_rows;     // partial rows merged by phase 2
  std::vector<int32_t> q_row;          // [n_seqs] batch row of DFS position i (q/out row)
  int32_t n_partial_rows = 0;          // rows of the partial-state buffers
  int32_t chunks_per_piece = 0;        // the work list's segment split (0 when there is no phase 1)
  int32_t max_chunk_first_rows = 0;    // largest (q_end - q_begin) * group in phase 1
};

// The segment split that fills the GPU: about target_blocks phase-1 blocks (one per piece, KV
// head and kTppRowsPerBlock query rows; about 2 x multiprocessors).
SegmentPolicy cuda_segment_policy(const ChunkLayout& layout, int n_heads, int target_blocks);

// Translates a work list. n_heads: query heads; layout: the cache's chunk layout. Throws
// std::invalid_argument when the work list is inconsistent (sizes, ranges, partial rows that are
// not those of the segments covering a sequence) or the shape is unsupported.
TppDevicePlan build_tpp_device_plan(const DecodeWorkList& work, const ChunkLayout& layout, int n_heads);

// Prefill of one sequence: n_q queries at positions [pos0, pos0 + n_q) over `path` (the
// sequence's chunks, root to tail; chunk k starts at position k * chunk_size).
TppDevicePlan build_tpp_prefill_plan(const std::vector<int32_t>& path, const ChunkLayout& layout,
                                     int n_heads, int32_t pos0, int32_t n_q);

// Checks what a step changes: seq_len has n_seqs entries and every sequence's tokens fit in its
// path (no own chunk past the tail, at most chunk_size tokens in the last one). Throws
// std::invalid_argument with the offending DFS position otherwise.
void check_step_lengths(const TppDevicePlan& plan, const std::vector<int32_t>& seq_len);

// Decode append: the own chunk of sequence piece `p` that holds position len - 1 (the token just
// appended), or -1 when none does. Shared by the append kernel and the host emulation.
#if defined(__CUDACC__)
__host__ __device__
#endif
inline int32_t find_append_ref(const TppChunkRef* refs, const TppPiece& p, int32_t len, int32_t chunk_size) {
  for (int32_t k = p.n_refs - 1; k >= 0; --k) {
    const TppChunkRef& r = refs[p.ref_begin + k];
    if (r.pos <= len - 1 && len - 1 < r.pos + chunk_size) return p.ref_begin + k;
  }
  return -1;
}

// Shape checks shared with the launcher: head_dim and chunk_size the kernels support, dtype
// fp16/bf16, n_heads a multiple of n_kv_heads. Throws std::invalid_argument.
void check_tpp_shape(const ChunkLayout& layout, int n_heads);

}  // namespace chunkserve
