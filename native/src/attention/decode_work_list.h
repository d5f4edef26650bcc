// The per-step work lists of TPP decode attention, as plain host data (flat arrays, CSR style) so
// that a GPU backend can upload them unchanged.
//
// Sequences of the batch are ordered depth-first (lexicographically by their chunk paths), so
// every chunk is covered by a contiguous range [begin, end) of DFS positions.
//  - Phase 1 (chunk-first): chunks covered by more than tpp_threshold batch sequences. They are
//    always full (chunk_size tokens). For shared chunk j and DFS position i in [begin[j], end[j])
//    the partial softmax state is stored in row partial_offset[j] + (i - begin[j]).
//  - Phase 2 (sequence-first): for DFS position i, its other chunks seq_chunks[seq_chunk_offset[i]
//    .. seq_chunk_offset[i+1]) with their index in the sequence's path (token start = index * c),
//    and the partial-state rows of its shared chunks seq_partials[seq_partial_offset[i] ..
//    seq_partial_offset[i+1]) to merge.
// Sequence lengths change every step without changing the lists: kernels read them from
// seq_len, refreshed per step (a chunk at path index k holds min(c, len - k*c) tokens).
//
// Segments (used by the CPU kernel; a GPU backend may ignore them): consecutive phase-1 chunks
// of one path that cover the same range form a segment of at most max_segment_chunks chunks.
// One phase-1 task walks a whole segment with a running softmax state, so the queries are
// gathered once and a sequence merges one partial state per segment instead of one per chunk.
// Segment s holds shared chunks [segment_offset[s], segment_offset[s+1]) (indices into
// shared_chunk); its state for DFS position i is row segment_partial_offset[s] + (i - begin).
#pragma once
#include <cstdint>
#include <vector>

#include "cache/kv_cache.h"

namespace chunkserve {

struct DecodeWorkList {
  uint64_t cache_version = 0;
  int32_t tpp_threshold = 1;  // a chunk goes to phase 1 when covered by > this many sequences
  int32_t chunk_size = 64;

  std::vector<SeqId> seq_ids;    // [n_seqs] the batch as given (row b of q/out is seq_ids[b])
  std::vector<int32_t> dfs_row;  // [n_seqs] batch row of DFS position i
  std::vector<int32_t> seq_len;  // [n_seqs] tokens of DFS position i (refreshed every step)

  // Phase 1, [n_shared] each, DFS order of first appearance.
  std::vector<ChunkId> shared_chunk;
  std::vector<int32_t> shared_begin;        // first DFS position covered
  std::vector<int32_t> shared_end;          // one past the last
  std::vector<int32_t> shared_partial_offset;  // [n_shared + 1] prefix sum of (end - begin)

  // Phase 2, CSR over DFS positions.
  std::vector<int32_t> seq_chunk_offset;    // [n_seqs + 1]
  std::vector<ChunkId> seq_chunks;          // [total] unshared chunks, root to tail
  std::vector<int32_t> seq_chunk_index;     // [total] index of that chunk in the sequence's path
  std::vector<int32_t> seq_partial_offset;  // [n_seqs + 1]
  std::vector<int32_t> seq_partials;        // [total] partial-state rows of shared chunks

  // Segments (see above).
  int32_t max_segment_chunks = 8;
  std::vector<int32_t> segment_offset;          // [n_segments + 1] into shared_chunk
  std::vector<int32_t> segment_partial_offset;  // [n_segments + 1] prefix sum of (end - begin)
  std::vector<int32_t> seq_segment_offset;      // [n_seqs + 1] CSR over DFS positions
  std::vector<int32_t> seq_segment_partials;    // [total] segment partial-state rows to merge

  int32_t n_seqs() const { return static_cast<int32_t>(seq_ids.size()); }
  int32_t n_shared() const { return static_cast<int32_t>(shared_chunk.size()); }
  int32_t n_partials() const { return shared_partial_offset.empty() ? 0 : shared_partial_offset.back(); }
  int32_t n_segments() const { return segment_offset.empty() ? 0 : static_cast<int32_t>(segment_offset.size()) - 1; }
  int32_t n_segment_partials() const { return segment_partial_offset.empty() ? 0 : segment_partial_offset.back(); }
};

// Builds the work lists for a batch. tpp_threshold < 1 is treated as 1; a huge threshold gives
// the baseline (no phase 1: every sequence reads all its chunks itself). Throws CacheError for an
// unknown or duplicated sequence id.
DecodeWorkList build_decode_work_list(const KvCache& cache, const std::vector<SeqId>& seqs,
                                      int32_t tpp_threshold, int32_t max_segment_chunks = 8);
// Refreshes seq_len from the cache (every step).
void refresh_lengths(const KvCache& cache, DecodeWorkList& work);

}  // namespace chunkserve
