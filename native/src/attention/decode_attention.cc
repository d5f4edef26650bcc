#include "attention/decode_attention.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>

#include "attention/attention_common.h"
#include "common/two_ended_range.h"

namespace chunkserve {

static bool same_policy(const SegmentPolicy& a, const SegmentPolicy& b) {
  return a.max_chunks == b.max_chunks && a.target_tasks == b.target_tasks && a.rows_per_task == b.rows_per_task &&
         a.group == b.group && a.n_kv_heads == b.n_kv_heads;
}

SegmentPolicy cpu_segment_policy(int n_kv_heads, int threads) {
  constexpr int kTasksPerThread = 4;  // dynamic scheduling evens out tasks of unequal runs
  SegmentPolicy p;
  p.target_tasks = static_cast<int64_t>(kTasksPerThread) * std::max(threads, 1);
  p.rows_per_task = INT32_MAX;  // all rows of a segment in one task
  p.group = 1;
  p.n_kv_heads = n_kv_heads;
  return p;
}

const DecodeWorkList& DecodePlan::prepare(const KvCache& cache, const std::vector<SeqId>& seqs) {
  const int32_t threshold = method_ == DecodeMethod::Baseline ? INT32_MAX : std::max<int32_t>(tpp_threshold_, 1);
  const bool stale = !valid_ || built_for_ != &cache || work_.cache_version != cache.version() ||
                     built_method_ != method_ || built_threshold_ != threshold || !same_policy(built_policy_, policy_) ||
                     work_.seq_ids != seqs;
  if (stale) {
    work_ = build_decode_work_list(cache, seqs, threshold, policy_);
    valid_ = true;
    built_for_ = &cache;
    built_method_ = method_;
    built_threshold_ = threshold;
    built_policy_ = policy_;
    ++rebuilds_;
  } else {
    refresh_lengths(cache, work_);
  }
  return work_;
}

// Phase 1: one task per (segment, KV head). All covered sequences x the G query heads of the group
// form the rows of the rv GEMMs; the task walks the segment's chunks with one running softmax
// state and leaves it in plan.partial_* (one state per segment and row).
static void run_phase1(const KvCache& cache, DecodePlan& plan, const AttendKernels& kern, int layer, int n_heads,
                       const float* q, ThreadPool& pool) {
  const DecodeWorkList& w = plan.work();
  const int hd = cache.config().head_dim, nkv = cache.config().n_kv_heads, c = cache.config().chunk_size;
  const int G = n_heads / nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(hd));
  float* part_o = plan.partial_o.data();  // [n_partials][n_heads][hd]
  float* part_m = plan.partial_m.data();  // [n_partials][n_heads]
  float* part_l = plan.partial_n.data();  // [n_partials][n_heads]
  pool.parallel_for(static_cast<int64_t>(w.n_segments()) * nkv, [&](int64_t task, int) {
    const int seg = static_cast<int>(task / nkv), h = static_cast<int>(task % nkv);
    const int first = w.segment_chunk_offset[seg], last = w.segment_chunk_offset[seg + 1];
    const int b = w.segment_begin[seg], e = w.segment_end[seg];
    const int n_real = (e - b) * G;                  // row r = (i - b) * G + g
    const int rows = round_up_to(n_real, kern.lanes);
    thread_local std::vector<float> qt, ot, m, l;    // [hd][rows], [hd][rows], [rows], [rows]
    thread_local RvScratch scratch;
    qt.assign(static_cast<size_t>(hd) * rows, 0.f);
    ot.assign(static_cast<size_t>(hd) * rows, 0.f);
    m.assign(rows, -INFINITY);
    l.assign(rows, 0.f);
    for (int i = b; i < e; ++i)
      for (int g = 0; g < G; ++g) {
        const float* src = q + (static_cast<size_t>(w.dfs_row[i]) * n_heads + h * G + g) * hd;  // q: [n_seqs, n_heads, hd]
        const int r = (i - b) * G + g;
        for (int d = 0; d < hd; ++d) qt[static_cast<size_t>(d) * rows + r] = src[d] * scale;
      }
    for (int j = first; j < last; ++j) {  // shared chunks are full: c tokens each
      const ChunkId chunk = w.segment_chunks[j];
      const bool more = j + 1 < last;
      kern.rv(qt.data(), rows, cache.plane(chunk, layer, 0, h), cache.plane(chunk, layer, 1, h), c, nullptr, ot.data(),
              m.data(), l.data(), scratch, more ? cache.plane(w.segment_chunks[j + 1], layer, 0, h) : nullptr,
              more ? cache.plane(w.segment_chunks[j + 1], layer, 1, h) : nullptr);
    }
    for (int i = b; i < e; ++i)
      for (int g = 0; g < G; ++g) {
        const int r = (i - b) * G + g;
        const size_t slot = static_cast<size_t>(w.segment_partial_offset[seg] + i - b) * n_heads + h * G + g;
        for (int d = 0; d < hd; ++d) part_o[slot * hd + d] = ot[static_cast<size_t>(d) * rows + r];
        part_m[slot] = m[r];
        part_l[slot] = l[r];
      }
  });
}

// Phase 2: one task per (sequence, KV head): its own chunks through dv, then the phase-1 segment
// partials. Its time is the wait for the sequences' own K/V (a task reads one or a few chunks,
// the first of them cold), so tasks are taken from the two ends of ranges
// (common/two_ended_range.h) and a task's last chunk prefetches the first chunk of the task its
// thread runs next.
static void run_phase2(const KvCache& cache, DecodePlan& plan, const AttendKernels& kern, int layer, int n_heads,
                       const float* q, float* out, ThreadPool& pool) {
  const DecodeWorkList& w = plan.work();
  const int hd = cache.config().head_dim, nkv = cache.config().n_kv_heads, c = cache.config().chunk_size;
  const int G = n_heads / nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(hd));
  // The first chunk of task (i, h) that holds tokens, or -1.
  const auto first_chunk = [&](int i) -> int {
    const int x = w.seq_chunk_offset[i];
    return x < w.seq_chunk_offset[i + 1] && w.seq_len[i] > w.seq_chunk_index[x] * c ? x : -1;
  };
  for_each_two_ended(pool, static_cast<int64_t>(w.n_seqs()) * nkv, [&](int64_t task, int64_t after) {
    const int i = static_cast<int>(task / nkv), h = static_cast<int>(task % nkv);
    const int next_i = after >= 0 ? static_cast<int>(after / nkv) : -1, next_h = after >= 0 ? static_cast<int>(after % nkv) : 0;
    const int next_x = next_i >= 0 ? first_chunk(next_i) : -1;
    const size_t row = w.dfs_row[i];
    const int32_t len = w.seq_len[i];
    thread_local std::vector<float> qs, o, m, l, s;  // [G][hd], [G][hd], [G], [G], [G][c rounded]
    qs.resize(static_cast<size_t>(G) * hd);
    o.assign(static_cast<size_t>(G) * hd, 0.f);
    m.assign(G, -INFINITY);
    l.assign(G, 0.f);
    s.resize(static_cast<size_t>(G) * round_up_to(c, kern.lanes));
    const float* qrow = q + (row * n_heads + static_cast<size_t>(h) * G) * hd;  // the group's G heads, contiguous
    for (int x = 0; x < G * hd; ++x) qs[x] = qrow[x] * scale;
    const int x_end = w.seq_chunk_offset[i + 1];
    for (int x = w.seq_chunk_offset[i]; x < x_end; ++x) {
      const int n_tok = std::min(c, len - w.seq_chunk_index[x] * c);
      if (n_tok <= 0) continue;  // the pre-reserved empty tail
      const ChunkId chunk = w.seq_chunks[x];
      const bool more = x + 1 < x_end && len > w.seq_chunk_index[x + 1] * c;  // the next chunk holds tokens
      // prefetched under this chunk: the task's next chunk, else the next task's first
      const ChunkId ahead = more ? w.seq_chunks[x + 1] : next_x >= 0 ? w.seq_chunks[next_x] : -1;
      const int ahead_h = more ? h : next_h;
      kern.dv(qs.data(), G, cache.plane(chunk, layer, 0, h), cache.plane(chunk, layer, 1, h), n_tok, o.data(), m.data(),
              l.data(), s.data(), ahead >= 0 ? cache.plane(ahead, layer, 0, ahead_h) : nullptr,
              ahead >= 0 ? cache.plane(ahead, layer, 1, ahead_h) : nullptr);
    }
    for (int x = w.seq_partial_offset[i]; x < w.seq_partial_offset[i + 1]; ++x)
      for (int g = 0; g < G; ++g) {
        const size_t slot = static_cast<size_t>(w.seq_partials[x]) * n_heads + h * G + g;
        merge_state(o.data() + g * hd, m[g], l[g], plan.partial_o.data() + slot * hd, plan.partial_m[slot],
                    plan.partial_n[slot], hd);
      }
    float* orow = out + (row * n_heads + static_cast<size_t>(h) * G) * hd;  // out: [n_seqs, n_heads, hd]
    for (int g = 0; g < G; ++g) {
      const float inv = l[g] > 0.f ? 1.f / l[g] : 0.f;  // length 0: zeros
      for (int d = 0; d < hd; ++d) orow[g * hd + d] = o[g * hd + d] * inv;
    }
  });
}

void decode_attention(const KvCache& cache, DecodePlan& plan, const std::vector<SeqId>& seqs, int layer, int n_heads,
                      const float* q, float* out, ThreadPool* pool) {
  if (seqs.empty()) return;
  const AttendKernels& kern = checked_kernels(cache, layer, n_heads, q, out);
  ThreadPool& tp = pool != nullptr ? *pool : ThreadPool::global();
  const DecodeWorkList& w = plan.prepare(cache, seqs);
  const size_t states = static_cast<size_t>(w.n_partials()) * n_heads;
  plan.partial_o.resize(states * cache.config().head_dim);
  plan.partial_m.resize(states);
  plan.partial_n.resize(states);
  using Clock = std::chrono::steady_clock;
  const auto ns_since = [](Clock::time_point t) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t).count());
  };
  DecodePlan::PhaseTimes& times = plan.phase_times();
  const Clock::time_point t0 = Clock::now();
  if (w.n_segments() > 0) run_phase1(cache, plan, kern, layer, n_heads, q, tp);
  times.phase1_ns += ns_since(t0);
  const Clock::time_point t1 = Clock::now();
  run_phase2(cache, plan, kern, layer, n_heads, q, out, tp);
  times.phase2_ns += ns_since(t1);
  ++times.calls;
}

uint64_t decode_kv_bytes_read(const KvCache& cache, const DecodeWorkList& w) {
  const ChunkLayout& L = cache.layout();
  const uint64_t token_bytes = static_cast<uint64_t>(L.head_dim) * 2 * L.n_kv_heads * L.elem_bytes();  // K+V, one layer
  uint64_t tokens = static_cast<uint64_t>(w.n_shared()) * L.chunk_size;
  for (int i = 0; i < w.n_seqs(); ++i)
    for (int x = w.seq_chunk_offset[i]; x < w.seq_chunk_offset[i + 1]; ++x)
      tokens += std::max(0, std::min(L.chunk_size, w.seq_len[i] - w.seq_chunk_index[x] * L.chunk_size));
  return tokens * token_bytes;
}

}  // namespace chunkserve
