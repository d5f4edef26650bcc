#include "cuda/tpp_device_plan.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace chunkserve {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("CUDA TPP plan: " + what); }

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

SegmentPolicy cuda_segment_policy(const ChunkLayout& layout, int n_heads, int target_blocks) {
  SegmentPolicy p;
  p.target_tasks = std::max(1, target_blocks);
  p.rows_per_task = kTppRowsPerBlock;
  p.n_kv_heads = std::max(1, layout.n_kv_heads);
  p.group = std::max(1, n_heads / p.n_kv_heads);
  return p;
}

namespace {

// The work list's own consistency (it comes from build_decode_work_list, or from a test).
void check_work_list(const DecodeWorkList& work) {
  const int32_t n = work.n_seqs();
  const int32_t n_seg = work.n_segments();
  if (work.dfs_row.size() != static_cast<size_t>(n)) fail("dfs_row must have n_seqs entries");
  {
    std::vector<char> seen(n, 0);
    for (int32_t r : work.dfs_row) {
      if (r < 0 || r >= n || seen[r]) fail("dfs_row must be a permutation of the batch rows");
      seen[r] = 1;
    }
  }
  if (work.segment_end.size() != static_cast<size_t>(n_seg)) fail("segment_begin/segment_end must have one entry per segment");
  if (n_seg > 0 || !work.segment_chunk_offset.empty()) check_csr(work.segment_chunk_offset, n_seg, work.segment_chunks.size(), "segment_chunk_offset");
  if (n_seg > 0 || !work.segment_partial_offset.empty()) {
    if (work.segment_partial_offset.size() != static_cast<size_t>(n_seg) + 1 || work.segment_partial_offset.front() != 0)
      fail("segment_partial_offset is not a prefix sum over the segments");
  }
  for (int32_t s = 0; s < n_seg; ++s) {
    const int32_t b = work.segment_begin[s], e = work.segment_end[s];
    if (b < 0 || e > n || b >= e) fail("segment " + std::to_string(s) + " has an empty or out-of-range [begin, end)");
    if (work.segment_partial_offset[s + 1] - work.segment_partial_offset[s] != e - b)
      fail("segment_partial_offset does not match the segments' ranges");
    for (int32_t j = work.segment_chunk_offset[s]; j < work.segment_chunk_offset[s + 1]; ++j)
      if (work.segment_chunks[j] < 0) fail("segment " + std::to_string(s) + " has a negative chunk id");
  }
  check_csr(work.seq_chunk_offset, n, work.seq_chunks.size(), "seq_chunk_offset");
  if (work.seq_chunk_index.size() != work.seq_chunks.size()) fail("seq_chunk_index must match seq_chunks");
  check_csr(work.seq_partial_offset, n, work.seq_partials.size(), "seq_partial_offset");
  // Each sequence's partial rows must be exactly those of the segments covering it.
  for (int32_t i = 0; i < n; ++i) {
    std::vector<int32_t> expected;
    for (int32_t s = 0; s < n_seg; ++s)
      if (work.segment_begin[s] <= i && i < work.segment_end[s])
        expected.push_back(work.segment_partial_offset[s] + (i - work.segment_begin[s]));
    std::vector<int32_t> listed(work.seq_partials.begin() + work.seq_partial_offset[i],
                                work.seq_partials.begin() + work.seq_partial_offset[i + 1]);
    std::sort(expected.begin(), expected.end());
    std::sort(listed.begin(), listed.end());
    if (listed != expected)
      fail("DFS position " + std::to_string(i) + " lists " + std::to_string(listed.size()) + " partial rows but " +
           std::to_string(expected.size()) + " segment ranges cover it");
  }
}

}  // namespace

TppDevicePlan build_tpp_device_plan(const DecodeWorkList& work, const ChunkLayout& layout, int n_heads) {
  check_tpp_shape(layout, n_heads);
  if (work.chunk_size != layout.chunk_size) fail("work list chunk_size differs from the cache layout");
  check_work_list(work);
  const int32_t n = work.n_seqs();
  const int32_t c = layout.chunk_size;

  TppDevicePlan plan;
  plan.cache_version = work.cache_version;
  plan.n_seqs = n;
  plan.group = n_heads / layout.n_kv_heads;
  plan.chunk_size = c;
  plan.q_row = work.dfs_row;
  plan.chunks_per_piece = work.max_segment_chunks;
  plan.n_partial_rows = work.n_partials();

  // ---- phase 1: a piece per segment (shared chunks are full: positions are unused there) --------
  for (int32_t s = 0; s < work.n_segments(); ++s) {
    TppPiece p;
    p.ref_begin = static_cast<int32_t>(plan.refs.size());
    p.n_refs = work.segment_chunk_offset[s + 1] - work.segment_chunk_offset[s];
    for (int32_t j = work.segment_chunk_offset[s]; j < work.segment_chunk_offset[s + 1]; ++j)
      plan.refs.push_back({work.segment_chunks[j], 0, c});
    p.q_begin = work.segment_begin[s];
    p.q_end = work.segment_end[s];
    p.out_row = work.segment_partial_offset[s];
    p.merge_begin = p.merge_end = 0;
    plan.max_chunk_first_rows = std::max(plan.max_chunk_first_rows, (p.q_end - p.q_begin) * plan.group);
    plan.chunk_first.push_back(p);
  }

  // ---- phase 2: one piece per DFS position ---------------------------------------------------
  plan.seq_first.resize(n);
  plan.merge_rows = work.seq_partials;
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
    p.merge_begin = work.seq_partial_offset[i];
    p.merge_end = work.seq_partial_offset[i + 1];
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
