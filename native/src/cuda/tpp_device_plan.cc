#include "cuda/tpp_device_plan.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace chunkserve {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("CUDA TPP plan: " + what); }

int row_blocks(int rows) { return (rows + kTppRowsPerBlock - 1) / kTppRowsPerBlock; }

void check_csr(const std::vector<int32_t>& offset, size_t n_rows, size_t n_values, const char* name) {
  if (offset.size() != n_rows + 1 || offset.front() != 0 || static_cast<size_t>(offset.back()) != n_values)
    fail(std::string(name) + " is not a CSR offset array of the work list");
  for (size_t i = 0; i < n_rows; ++i)
    if (offset[i] > offset[i + 1]) fail(std::string(name) + " decreases at " + std::to_string(i));
}

}  // namespace

void check_tpp_shape(const ChunkLayout& layout, int n_heads) {
  if (layout.dtype != DType::F16 && layout.dtype != DType::BF16)
    fail("the CUDA kernels store K/V as fp16 or bf16 (tensor cores), not fp32");
  const int d = layout.head_dim;
  if (d != 64 && d != 80 && d != 96 && d != 128)
    fail("head_dim must be 64, 80, 96 or 128 on CUDA (got " + std::to_string(d) + ")");
  if (layout.chunk_size < 16 || layout.chunk_size > 128 || layout.chunk_size % 16 != 0)
    fail("chunk_size must be a multiple of 16 in [16, 128] on CUDA (got " + std::to_string(layout.chunk_size) + ")");
  if (layout.n_kv_heads < 1 || n_heads < 1 || n_heads % layout.n_kv_heads != 0)
    fail("n_heads (" + std::to_string(n_heads) + ") must be a positive multiple of n_kv_heads (" +
         std::to_string(layout.n_kv_heads) + ")");
}

TppDevicePlan build_tpp_device_plan(const DecodeWorkList& work, const ChunkLayout& layout, int n_heads,
                                    int target_blocks) {
  check_tpp_shape(layout, n_heads);
  if (work.chunk_size != layout.chunk_size) fail("work list chunk_size differs from the cache layout");
  const int32_t n = work.n_seqs();
  const int32_t n_shared = work.n_shared();
  if (work.dfs_row.size() != static_cast<size_t>(n)) fail("dfs_row must have n_seqs entries");
  if (work.shared_begin.size() != static_cast<size_t>(n_shared) || work.shared_end.size() != static_cast<size_t>(n_shared))
    fail("shared_begin/shared_end must have one entry per shared chunk");
  check_csr(work.seq_chunk_offset, n, work.seq_chunks.size(), "seq_chunk_offset");
  if (work.seq_chunk_index.size() != work.seq_chunks.size()) fail("seq_chunk_index must match seq_chunks");
  check_csr(work.seq_partial_offset, n, work.seq_partials.size(), "seq_partial_offset");
  {
    std::vector<char> seen(n, 0);
    for (int32_t r : work.dfs_row) {
      if (r < 0 || r >= n || seen[r]) fail("dfs_row must be a permutation of the batch rows");
      seen[r] = 1;
    }
  }

  TppDevicePlan plan;
  plan.cache_version = work.cache_version;
  plan.n_seqs = n;
  plan.group = n_heads / layout.n_kv_heads;
  plan.chunk_size = layout.chunk_size;
  plan.q_row = work.dfs_row;
  const int32_t c = layout.chunk_size;

  // ---- phase 1: segments of consecutive shared chunks with equal ranges ----------------------
  struct Segment { int32_t first, count, begin, end; };
  std::vector<Segment> segments;
  long long chunk_blocks = 0;  // phase-1 blocks if every piece held one chunk
  for (int32_t j = 0; j < n_shared; ++j) {
    const int32_t b = work.shared_begin[j], e = work.shared_end[j];
    if (b < 0 || e > n || b >= e) fail("shared chunk " + std::to_string(j) + " has an empty or out-of-range [begin, end)");
    if (work.shared_chunk[j] < 0) fail("shared chunk " + std::to_string(j) + " has a negative chunk id");
    if (!segments.empty() && segments.back().begin == b && segments.back().end == e &&
        segments.back().first + segments.back().count == j)
      ++segments.back().count;
    else
      segments.push_back({j, 1, b, e});
    chunk_blocks += static_cast<long long>(row_blocks((e - b) * plan.group)) * layout.n_kv_heads;
  }
  // Fewer chunks per piece = more blocks in flight, but every piece writes (and phase 2 reads)
  // one fp32 partial state per row: 2 * rows / (chunks_per_piece * c) of the piece's K/V bytes
  // (100% at 32 rows, c = 64, one chunk a piece). So use the most chunks per piece that still
  // gives about target_blocks blocks (one wave of a couple of blocks per multiprocessor).
  const long long target = std::max(1, target_blocks);
  plan.chunks_per_piece = segments.empty() ? 0 : static_cast<int32_t>(std::max<long long>(1, (chunk_blocks + target - 1) / target));

  // Chunk-first refs: shared chunks are full (work list invariant); positions are unused there.
  std::vector<std::vector<int32_t>> seq_merge(n);
  for (const Segment& s : segments) {
    // ceil(count / chunks_per_piece) pieces whose sizes differ by at most one chunk.
    const int32_t n_pieces = (s.count + plan.chunks_per_piece - 1) / plan.chunks_per_piece;
    for (int32_t piece = 0, k = 0; piece < n_pieces; ++piece) {
      TppPiece p;
      p.ref_begin = static_cast<int32_t>(plan.refs.size());
      p.n_refs = s.count / n_pieces + (piece < s.count % n_pieces ? 1 : 0);
      for (int32_t t = 0; t < p.n_refs; ++t) plan.refs.push_back({work.shared_chunk[s.first + k + t], 0, c});
      k += p.n_refs;
      p.q_begin = s.begin;
      p.q_end = s.end;
      p.out_row = plan.n_partial_rows;
      p.merge_begin = p.merge_end = 0;
      plan.n_partial_rows += s.end - s.begin;
      plan.max_chunk_first_rows = std::max(plan.max_chunk_first_rows, (s.end - s.begin) * plan.group);
      for (int32_t i = s.begin; i < s.end; ++i) seq_merge[i].push_back(p.out_row + (i - s.begin));
      plan.chunk_first.push_back(p);
    }
  }
  // Each sequence's work-list partials must be exactly the shared chunks covering it.
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t k = work.seq_partial_offset[i]; k < work.seq_partial_offset[i + 1]; ++k) {
      const int32_t row = work.seq_partials[k];
      if (row < 0 || row >= work.n_partials()) fail("seq_partials row out of range at DFS position " + std::to_string(i));
    }
  }
  for (int32_t j = 0; j < n_shared; ++j)
    if (work.shared_partial_offset.size() != static_cast<size_t>(n_shared) + 1 ||
        work.shared_partial_offset[j + 1] - work.shared_partial_offset[j] != work.shared_end[j] - work.shared_begin[j])
      fail("shared_partial_offset does not match the shared ranges");
  for (int32_t i = 0; i < n; ++i) {
    const int32_t listed = work.seq_partial_offset[i + 1] - work.seq_partial_offset[i];
    int32_t covering = 0;
    for (int32_t j = 0; j < n_shared; ++j) covering += (work.shared_begin[j] <= i && i < work.shared_end[j]);
    if (listed != covering)
      fail("DFS position " + std::to_string(i) + " lists " + std::to_string(listed) + " shared chunks but " +
           std::to_string(covering) + " shared ranges cover it");
  }

  // ---- phase 2: one piece per DFS position ---------------------------------------------------
  plan.seq_first.resize(n);
  for (int32_t i = 0; i < n; ++i) {
    TppPiece& p = plan.seq_first[i];
    p.ref_begin = static_cast<int32_t>(plan.refs.size());
    p.n_refs = work.seq_chunk_offset[i + 1] - work.seq_chunk_offset[i];
    int32_t prev_index = -1;
    for (int32_t k = work.seq_chunk_offset[i]; k < work.seq_chunk_offset[i + 1]; ++k) {
      const int32_t index = work.seq_chunk_index[k];
      if (work.seq_chunks[k] < 0 || index <= prev_index)
        fail("DFS position " + std::to_string(i) + ": own chunks must have ids >= 0 and increasing path indices");
      prev_index = index;
      plan.refs.push_back({work.seq_chunks[k], index * c, -1});
    }
    p.q_begin = i;
    p.q_end = i + 1;
    p.out_row = 0;
    p.merge_begin = static_cast<int32_t>(plan.merge_rows.size());
    plan.merge_rows.insert(plan.merge_rows.end(), seq_merge[i].begin(), seq_merge[i].end());
    p.merge_end = static_cast<int32_t>(plan.merge_rows.size());
  }
  return plan;
}

TppDevicePlan build_tpp_prefill_plan(const std::vector<int32_t>& path, const ChunkLayout& layout, int n_heads,
                                     int32_t pos0, int32_t n_q) {
  check_tpp_shape(layout, n_heads);
  const int32_t c = layout.chunk_size;
  if (pos0 < 0 || n_q < 1) fail("prefill needs pos0 >= 0 and n_q >= 1");
  const int64_t end = static_cast<int64_t>(pos0) + n_q;  // keys [0, end)
  if (end > static_cast<int64_t>(path.size()) * c)
    fail("prefill positions [" + std::to_string(pos0) + ", " + std::to_string(end) + ") exceed the sequence's " +
         std::to_string(path.size()) + " chunks");
  TppDevicePlan plan;
  plan.n_seqs = n_q;
  plan.group = n_heads / layout.n_kv_heads;
  plan.chunk_size = c;
  for (int32_t k = 0; static_cast<int64_t>(k) * c < end; ++k) {
    if (path[k] < 0) fail("prefill path holds a negative chunk id");
    plan.refs.push_back({path[k], k * c, static_cast<int32_t>(std::min<int64_t>(c, end - static_cast<int64_t>(k) * c))});
  }
  TppPiece p;
  p.ref_begin = 0;
  p.n_refs = static_cast<int32_t>(plan.refs.size());
  p.q_begin = 0;
  p.q_end = n_q;
  p.out_row = 0;
  p.merge_begin = p.merge_end = 0;
  plan.seq_first.push_back(p);
  plan.q_row.resize(n_q);
  for (int32_t t = 0; t < n_q; ++t) plan.q_row[t] = t;
  return plan;
}

void check_step_lengths(const TppDevicePlan& plan, const std::vector<int32_t>& seq_len) {
  if (seq_len.size() != static_cast<size_t>(plan.n_seqs))
    fail("seq_len has " + std::to_string(seq_len.size()) + " entries for " + std::to_string(plan.n_seqs) + " sequences");
  const int32_t c = plan.chunk_size;
  for (int32_t i = 0; i < plan.n_seqs; ++i) {
    const TppPiece& p = plan.seq_first[i];
    const int32_t len = seq_len[i];
    // Tokens past the sequence's own chunks would have nowhere to live: the work list is stale.
    const int32_t limit = p.n_refs > 0 ? plan.refs[p.ref_begin + p.n_refs - 1].pos + c : -1;
    if (len < 0 || (p.n_refs > 0 && len > limit))
      fail("DFS position " + std::to_string(i) + " has length " + std::to_string(len) +
           " beyond its chunks (work list is stale; rebuild it)");
  }
}

}  // namespace chunkserve
