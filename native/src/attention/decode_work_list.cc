#include "attention/decode_work_list.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace chunkserve {

DecodeWorkList build_decode_work_list(const KvCache& cache, const std::vector<SeqId>& seqs, int32_t tpp_threshold,
                                      int32_t max_segment_chunks) {
  DecodeWorkList w;
  w.max_segment_chunks = std::max<int32_t>(max_segment_chunks, 1);
  w.cache_version = cache.version();
  w.tpp_threshold = std::max<int32_t>(tpp_threshold, 1);
  w.chunk_size = cache.config().chunk_size;
  w.seq_ids = seqs;
  const int32_t n = static_cast<int32_t>(seqs.size());

  std::vector<const std::vector<ChunkId>*> paths(n);  // [n_seqs] chunk path of batch row b
  std::unordered_set<SeqId> seen;
  for (int32_t b = 0; b < n; ++b) {
    if (!seen.insert(seqs[b]).second) throw CacheError("decode batch lists sequence " + std::to_string(seqs[b]) + " twice");
    paths[b] = &cache.seq_chunks(seqs[b]);  // throws CacheError for an unknown id
  }

  // DFS order = lexicographic order of chunk paths: sequences sharing a prefix become adjacent,
  // so each chunk covers one contiguous range of positions.
  w.dfs_row.resize(n);
  for (int32_t i = 0; i < n; ++i) w.dfs_row[i] = i;
  std::stable_sort(w.dfs_row.begin(), w.dfs_row.end(), [&](int32_t a, int32_t b) { return *paths[a] < *paths[b]; });

  struct Range {
    int32_t begin, end, shared_index, segment;
  };
  std::unordered_map<ChunkId, Range> ranges;
  for (int32_t i = 0; i < n; ++i)
    for (ChunkId c : *paths[w.dfs_row[i]]) {
      auto it = ranges.find(c);
      if (it == ranges.end()) ranges.emplace(c, Range{i, i + 1, -1, -1});
      else it->second.end = i + 1;
    }

  // Phase-1 chunks in DFS order of first appearance, with their partial-state rows; a chunk
  // extends the current segment when it is the child of the previous shared chunk and covers
  // the same range.
  w.shared_partial_offset.push_back(0);
  w.segment_offset.push_back(0);
  w.segment_partial_offset.push_back(0);
  int32_t segment_len = 0;
  for (int32_t i = 0; i < n; ++i) {
    const auto& path = *paths[w.dfs_row[i]];
    for (size_t k = 0; k < path.size(); ++k) {
      Range& r = ranges[path[k]];
      if (r.begin != i || r.end - r.begin <= w.tpp_threshold) continue;
      const bool extends = !w.shared_chunk.empty() && k > 0 && w.shared_chunk.back() == path[k - 1] &&
                           w.shared_begin.back() == r.begin && w.shared_end.back() == r.end &&
                           segment_len < w.max_segment_chunks;
      if (!extends && !w.shared_chunk.empty()) {  // close the current segment
        w.segment_offset.push_back(static_cast<int32_t>(w.shared_chunk.size()));
        w.segment_partial_offset.push_back(w.segment_partial_offset.back() + (w.shared_end.back() - w.shared_begin.back()));
        segment_len = 0;
      }
      r.shared_index = static_cast<int32_t>(w.shared_chunk.size());
      r.segment = static_cast<int32_t>(w.segment_offset.size()) - 1;
      ++segment_len;
      w.shared_chunk.push_back(path[k]);
      w.shared_begin.push_back(r.begin);
      w.shared_end.push_back(r.end);
      w.shared_partial_offset.push_back(w.shared_partial_offset.back() + (r.end - r.begin));
    }
  }
  if (!w.shared_chunk.empty()) {
    w.segment_offset.push_back(static_cast<int32_t>(w.shared_chunk.size()));
    w.segment_partial_offset.push_back(w.segment_partial_offset.back() + (w.shared_end.back() - w.shared_begin.back()));
  }

  // Phase-2 lists per DFS position.
  w.seq_chunk_offset.push_back(0);
  w.seq_partial_offset.push_back(0);
  w.seq_segment_offset.push_back(0);
  for (int32_t i = 0; i < n; ++i) {
    const auto& path = *paths[w.dfs_row[i]];
    int32_t last_segment = -1;
    for (int32_t k = 0; k < static_cast<int32_t>(path.size()); ++k) {
      const Range& r = ranges[path[k]];
      if (r.shared_index >= 0) {
        w.seq_partials.push_back(w.shared_partial_offset[r.shared_index] + (i - r.begin));
        if (r.segment != last_segment) {
          w.seq_segment_partials.push_back(w.segment_partial_offset[r.segment] + (i - r.begin));
          last_segment = r.segment;
        }
      } else {
        w.seq_chunks.push_back(path[k]);
        w.seq_chunk_index.push_back(k);
      }
    }
    w.seq_chunk_offset.push_back(static_cast<int32_t>(w.seq_chunks.size()));
    w.seq_partial_offset.push_back(static_cast<int32_t>(w.seq_partials.size()));
    w.seq_segment_offset.push_back(static_cast<int32_t>(w.seq_segment_partials.size()));
  }
  refresh_lengths(cache, w);
  return w;
}

void refresh_lengths(const KvCache& cache, DecodeWorkList& w) {
  w.seq_len.resize(w.seq_ids.size());
  for (size_t i = 0; i < w.seq_ids.size(); ++i) w.seq_len[i] = cache.seq_length(w.seq_ids[w.dfs_row[i]]);
}

}  // namespace chunkserve
