#include "attention/decode_work_list.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace chunkserve {

namespace {

// Where a chunk sits in the batch: the DFS range covering it, and (once grouped) its segment.
struct Cover {
  int32_t begin, end;
  int32_t depth;
  ChunkId parent;
  int32_t segment = -1;
};

// A maximal run of consecutive shared chunks of one path covering the same range.
struct Run {
  std::vector<ChunkId> chunks;
  int32_t begin, end;
};

int32_t chunks_per_segment(const std::vector<Run>& runs, const SegmentPolicy& p) {
  if (p.target_tasks <= 0) return std::max<int32_t>(p.max_chunks, 1);
  int64_t tasks = 0;  // if every segment held one chunk
  const int64_t rows_per_task = std::max<int32_t>(p.rows_per_task, 1);
  for (const Run& r : runs) {
    const int64_t rows = static_cast<int64_t>(r.end - r.begin) * std::max<int32_t>(p.group, 1);
    tasks += static_cast<int64_t>(r.chunks.size()) * ((rows + rows_per_task - 1) / rows_per_task) * std::max<int32_t>(p.n_kv_heads, 1);
  }
  return static_cast<int32_t>(std::max<int64_t>(1, (tasks + p.target_tasks - 1) / p.target_tasks));
}

// The grouping itself, over paths[row] (root to tail) and lens[row].
DecodeWorkList build(const std::vector<const std::vector<ChunkId>*>& paths, const std::vector<int32_t>& lens,
                     int32_t chunk_size, int32_t tpp_threshold, const SegmentPolicy& policy) {
  DecodeWorkList w;
  w.tpp_threshold = std::max<int32_t>(tpp_threshold, 1);
  w.chunk_size = chunk_size;
  const int32_t n = static_cast<int32_t>(paths.size());

  // DFS order = lexicographic order of chunk paths: sequences sharing a prefix become adjacent,
  // so each chunk covers one contiguous range of positions.
  w.dfs_row.resize(n);
  for (int32_t i = 0; i < n; ++i) w.dfs_row[i] = i;
  std::stable_sort(w.dfs_row.begin(), w.dfs_row.end(), [&](int32_t a, int32_t b) { return *paths[a] < *paths[b]; });
  w.seq_len.resize(n);
  for (int32_t i = 0; i < n; ++i) w.seq_len[i] = lens[w.dfs_row[i]];

  std::unordered_map<ChunkId, Cover> cover;
  for (int32_t i = 0; i < n; ++i) {
    const auto& path = *paths[w.dfs_row[i]];
    for (size_t k = 0; k < path.size(); ++k) {
      const ChunkId parent = k == 0 ? kNoChunk : path[k - 1];
      auto it = cover.find(path[k]);
      if (it == cover.end()) {
        cover.emplace(path[k], Cover{i, i + 1, static_cast<int32_t>(k), parent});
      } else {
        if (it->second.depth != static_cast<int32_t>(k) || it->second.parent != parent)
          throw CacheError("decode batch: chunk " + std::to_string(path[k]) + " sits under two different prefixes");
        it->second.end = i + 1;
      }
    }
  }
  auto shared = [&](const Cover& c) { return c.end - c.begin > w.tpp_threshold; };

  // Runs of shared chunks, in DFS order of first appearance.
  std::vector<Run> runs;
  for (int32_t i = 0; i < n; ++i) {
    const auto& path = *paths[w.dfs_row[i]];
    for (size_t k = 0; k < path.size(); ++k) {
      const Cover& c = cover[path[k]];
      if (c.begin != i || !shared(c)) continue;
      if (static_cast<int64_t>(w.seq_len[i]) < static_cast<int64_t>(k + 1) * chunk_size)
        throw CacheError("decode batch: shared chunk " + std::to_string(path[k]) + " is not full");
      const bool extends = !runs.empty() && k > 0 && runs.back().chunks.back() == path[k - 1] &&
                           runs.back().begin == c.begin && runs.back().end == c.end;
      if (!extends) runs.push_back(Run{{}, c.begin, c.end});
      runs.back().chunks.push_back(path[k]);
    }
  }

  // Segments: each run in ceil(len / per) pieces whose sizes differ by at most one chunk.
  const int32_t per = chunks_per_segment(runs, policy);
  w.max_segment_chunks = runs.empty() ? 0 : per;
  w.segment_chunk_offset.push_back(0);
  w.segment_partial_offset.push_back(0);
  for (const Run& r : runs) {
    const int32_t len = static_cast<int32_t>(r.chunks.size());
    const int32_t pieces = (len + per - 1) / per;
    for (int32_t s = 0, k = 0; s < pieces; ++s) {
      const int32_t take = len / pieces + (s < len % pieces ? 1 : 0);
      for (int32_t t = 0; t < take; ++t) {
        cover[r.chunks[k + t]].segment = static_cast<int32_t>(w.segment_begin.size());
        w.segment_chunks.push_back(r.chunks[k + t]);
      }
      k += take;
      w.segment_chunk_offset.push_back(static_cast<int32_t>(w.segment_chunks.size()));
      w.segment_begin.push_back(r.begin);
      w.segment_end.push_back(r.end);
      w.segment_partial_offset.push_back(w.segment_partial_offset.back() + (r.end - r.begin));
    }
  }

  // Phase-2 lists per DFS position.
  w.seq_chunk_offset.push_back(0);
  w.seq_partial_offset.push_back(0);
  for (int32_t i = 0; i < n; ++i) {
    const auto& path = *paths[w.dfs_row[i]];
    int32_t last_segment = -1;
    for (int32_t k = 0; k < static_cast<int32_t>(path.size()); ++k) {
      const Cover& c = cover[path[k]];
      if (c.segment >= 0) {
        if (c.segment != last_segment) w.seq_partials.push_back(w.segment_partial_offset[c.segment] + (i - c.begin));
        last_segment = c.segment;
      } else {
        w.seq_chunks.push_back(path[k]);
        w.seq_chunk_index.push_back(k);
      }
    }
    w.seq_chunk_offset.push_back(static_cast<int32_t>(w.seq_chunks.size()));
    w.seq_partial_offset.push_back(static_cast<int32_t>(w.seq_partials.size()));
  }
  return w;
}

}  // namespace

DecodeWorkList build_decode_work_list(const KvCache& cache, const std::vector<SeqId>& seqs, int32_t tpp_threshold,
                                      const SegmentPolicy& policy) {
  std::vector<const std::vector<ChunkId>*> paths(seqs.size());  // [n_seqs] chunk path of batch row b
  std::vector<int32_t> lens(seqs.size());
  std::unordered_set<SeqId> seen;
  for (size_t b = 0; b < seqs.size(); ++b) {
    if (!seen.insert(seqs[b]).second) throw CacheError("decode batch lists sequence " + std::to_string(seqs[b]) + " twice");
    paths[b] = &cache.seq_chunks(seqs[b]);  // throws CacheError for an unknown id
    lens[b] = cache.seq_length(seqs[b]);
  }
  DecodeWorkList w = build(paths, lens, cache.config().chunk_size, tpp_threshold, policy);
  w.cache_version = cache.version();
  w.seq_ids = seqs;
  return w;
}

DecodeWorkList build_decode_work_list(const std::vector<std::vector<ChunkId>>& paths, const std::vector<int32_t>& lens,
                                      int32_t chunk_size, int32_t tpp_threshold, const SegmentPolicy& policy) {
  if (lens.size() != paths.size())
    throw CacheError("decode batch: " + std::to_string(paths.size()) + " paths but " + std::to_string(lens.size()) + " lengths");
  std::vector<const std::vector<ChunkId>*> ptrs(paths.size());
  for (size_t b = 0; b < paths.size(); ++b) {
    if (paths[b].empty()) throw CacheError("decode batch: sequence " + std::to_string(b) + " has no chunk");
    for (ChunkId c : paths[b])
      if (c < 0) throw CacheError("decode batch: negative chunk id in sequence " + std::to_string(b));
    ptrs[b] = &paths[b];
  }
  DecodeWorkList w = build(ptrs, lens, chunk_size, tpp_threshold, policy);
  w.seq_ids.resize(paths.size());
  for (size_t b = 0; b < paths.size(); ++b) w.seq_ids[b] = static_cast<SeqId>(b);
  return w;
}

void refresh_lengths(const KvCache& cache, DecodeWorkList& w) {
  w.seq_len.resize(w.seq_ids.size());
  for (size_t i = 0; i < w.seq_ids.size(); ++i) w.seq_len[i] = cache.seq_length(w.seq_ids[w.dfs_row[i]]);
}

}  // namespace chunkserve
