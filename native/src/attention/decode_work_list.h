// The per-step work lists of TPP decode attention, as plain host data (flat arrays, CSR style):
// one grouping of the batch's chunks that the CPU kernel (attention/decode_attention.cc) and the
// CUDA plan (cuda/tpp_device_plan.h) both execute, and that a GPU backend uploads unchanged.
//
// Sequences of the batch are ordered depth-first (lexicographically by their chunk paths), so
// every chunk is covered by a contiguous range [begin, end) of DFS positions.
//  - Phase 1 (chunk-first) runs over the chunks covered by more than tpp_threshold batch
//    sequences (they are always full: chunk_size tokens). Consecutive such chunks of one path
//    covering the same range form a run (e.g. the 64 chunks of a 4096-token system prompt); a run
//    is split into segments of at most max_segment_chunks chunks, sizes differing by at most one.
//    One phase-1 task walks one segment for one KV head with a running softmax state, and leaves
//    ONE partial state per covered (sequence, query head): for DFS position i in [begin, end) of
//    segment s, row segment_partial_offset[s] + (i - begin).
//  - Phase 2 (sequence-first): DFS position i attends over its own chunks seq_chunks[
//    seq_chunk_offset[i] .. seq_chunk_offset[i+1]) (with their index in its path: token start =
//    index * c) and merges the partial rows seq_partials[seq_partial_offset[i] ..
//    seq_partial_offset[i+1]) of the segments covering it.
// Sequence lengths change every step without changing the lists: kernels read them from seq_len,
// refreshed per step (a chunk at path index k holds min(c, len - k*c) tokens).
#pragma once
#include <cstdint>
#include <vector>

#include "cache/kv_cache.h"

namespace chunkserve {

// How runs of shared chunks are split into segments.
struct SegmentPolicy {
  int32_t max_chunks = 8;  // chunks per segment at most
  // > 0: choose max_chunks instead so that phase 1 has about target_tasks tasks, counting one per
  // (segment, KV head, block of rows_per_task query rows), where a segment's query rows are its
  // covered sequences x group query heads. Fewer chunks per segment = more tasks in flight, but
  // every segment writes (and phase 2 reads back) one fp32 partial state per row. The GPU uses
  // about two blocks per multiprocessor; the CPU the fixed max_chunks.
  int64_t target_tasks = 0;
  int32_t rows_per_task = 64;
  int32_t group = 1;       // query heads per KV head
  int32_t n_kv_heads = 1;
};

struct DecodeWorkList {
  uint64_t cache_version = 0;
  int32_t tpp_threshold = 1;       // a chunk goes to phase 1 when covered by > this many sequences
  int32_t chunk_size = 64;
  int32_t max_segment_chunks = 0;  // the split used (0 when there is no phase 1)

  std::vector<SeqId> seq_ids;    // [n_seqs] the batch as given (row b of q/out is seq_ids[b])
  std::vector<int32_t> dfs_row;  // [n_seqs] batch row of DFS position i
  std::vector<int32_t> seq_len;  // [n_seqs] tokens of DFS position i (refreshed every step)

  // Phase 1, [n_segments] each, in DFS order of first appearance.
  std::vector<ChunkId> segment_chunks;          // [n_shared] shared chunks, segment after segment, root first
  std::vector<int32_t> segment_chunk_offset;    // [n_segments + 1] into segment_chunks
  std::vector<int32_t> segment_begin;           // first DFS position covered
  std::vector<int32_t> segment_end;             // one past the last
  std::vector<int32_t> segment_partial_offset;  // [n_segments + 1] prefix sum of (end - begin)

  // Phase 2, CSR over DFS positions.
  std::vector<int32_t> seq_chunk_offset;    // [n_seqs + 1]
  std::vector<ChunkId> seq_chunks;          // [total] own (unshared) chunks, root to tail
  std::vector<int32_t> seq_chunk_index;     // [total] index of that chunk in the sequence's path
  std::vector<int32_t> seq_partial_offset;  // [n_seqs + 1]
  std::vector<int32_t> seq_partials;        // [total] partial rows of the segments covering it, root first

  int32_t n_seqs() const { return static_cast<int32_t>(seq_ids.size()); }
  int32_t n_shared() const { return static_cast<int32_t>(segment_chunks.size()); }
  int32_t n_segments() const { return segment_begin.empty() ? 0 : static_cast<int32_t>(segment_begin.size()); }
  int32_t n_partials() const { return segment_partial_offset.empty() ? 0 : segment_partial_offset.back(); }
};

// Builds the work lists for a batch of the cache's sequences. tpp_threshold < 1 is treated as 1;
// a huge threshold gives the baseline (no phase 1: every sequence reads all its chunks itself).
// Throws CacheError for an unknown or duplicated sequence id.
DecodeWorkList build_decode_work_list(const KvCache& cache, const std::vector<SeqId>& seqs, int32_t tpp_threshold,
                                      const SegmentPolicy& policy = {});
// The same over explicit paths (paths[b]: chunk ids root to tail of batch row b, lens[b] its
// tokens), for tests and test bindings. Throws CacheError when the paths do not form a prefix
// tree (a chunk under two parents, or at two depths) or a shared chunk is not full. (Whether
// lengths fit their paths is checked per step by the consumers, e.g. check_step_lengths.)
DecodeWorkList build_decode_work_list(const std::vector<std::vector<ChunkId>>& paths, const std::vector<int32_t>& lens,
                                      int32_t chunk_size, int32_t tpp_threshold, const SegmentPolicy& policy = {});
// Refreshes seq_len from the cache (every step).
void refresh_lengths(const KvCache& cache, DecodeWorkList& work);

}  // namespace chunkserve
