// Decode attention (one query token per running sequence) over the chunked KV cache, for one
// layer at a time.
//
//  - Tpp: the two-phase partition of ChunkAttention. Phase 1 runs chunk-first over chunks shared
//    by more than tpp_threshold batch sequences: for each (chunk, KV head) one small GEMM takes
//    the queries of every covered sequence and every query head of the GQA group at once and
//    leaves a partial softmax state (unnormalised O, row max m, row sum n). Phase 2 runs
//    sequence-first over each sequence's own chunks and merges the phase-1 partials exactly
//    (online softmax). K/V of a shared chunk is read once per step.
//  - Baseline: sequence-first only (PagedAttention style): each (sequence, KV head) reads all of
//    its chunks itself, whether shared or not.
// Both are exact up to fp32 rounding; scale is 1/sqrt(head_dim).
//
// GQA/MQA: n_heads must be a multiple of the cache's n_kv_heads; query head h uses KV head
// h / (n_heads / n_kv_heads). head_dim in {64, 80, 96, 128, 256}; any chunk size, batch, length.
#pragma once
#include <cstdint>
#include <vector>

#include "attention/decode_work_list.h"
#include "cache/kv_cache.h"
#include "common/thread_pool.h"

namespace chunkserve {

enum class DecodeMethod { Tpp, Baseline };

// Owns the work lists and the scratch (phase-1 partial states) of one batch; rebuilds the lists
// only when the cache version, the batch, the method or the threshold changes. Keep one per
// running batch and reuse it every step and every layer.
class DecodePlan {
 public:
  explicit DecodePlan(DecodeMethod method = DecodeMethod::Tpp, int32_t tpp_threshold = 1)
      : method_(method), tpp_threshold_(tpp_threshold) {}

  DecodeMethod method() const { return method_; }
  int32_t tpp_threshold() const { return tpp_threshold_; }
  void set_method(DecodeMethod m) { method_ = m; }
  void set_tpp_threshold(int32_t t) { tpp_threshold_ = t; }
  // How phase 1 groups shared chunks (default: segments of at most 8 chunks; the CPU engine
  // uses cpu_segment_policy, the GPU cuda_segment_policy).
  void set_segment_policy(const SegmentPolicy& p) { policy_ = p; }

  // Brings the work lists up to date for this batch (rebuild when needed, else refresh lengths).
  const DecodeWorkList& prepare(const KvCache& cache, const std::vector<SeqId>& seqs);
  const DecodeWorkList& work() const { return work_; }
  uint64_t rebuilds() const { return rebuilds_; }  // how many times the lists were rebuilt

  // Wall time spent in each phase over all decode_attention calls with this plan (benchmarks
  // report phase 1 as a fraction of the machine's FMA peak from it).
  struct PhaseTimes {
    uint64_t phase1_ns = 0, phase2_ns = 0, calls = 0;
  };
  const PhaseTimes& phase_times() const { return times_; }
  PhaseTimes& phase_times() { return times_; }

  // Scratch for phase-1 partial states, one per segment and covered sequence:
  // [n_partials][n_heads][head_dim] O, [n_partials][n_heads] m and n.
  std::vector<float> partial_o, partial_m, partial_n;

 private:
  DecodeMethod method_;
  int32_t tpp_threshold_;
  SegmentPolicy policy_;
  bool valid_ = false;
  const KvCache* built_for_ = nullptr;
  DecodeMethod built_method_ = DecodeMethod::Tpp;
  int32_t built_threshold_ = 0;
  SegmentPolicy built_policy_;
  DecodeWorkList work_;
  uint64_t rebuilds_ = 0;
  PhaseTimes times_;
};

// The CPU grouping: about kTasksPerThread phase-1 tasks per thread, counting one per (segment,
// KV head) since a CPU task takes all of its segment's query rows. Why not shorter segments:
// each one costs its task a transpose of the queries in and of the partial states out, and
// phase 2 one more merge per row; so segments are as long as the thread count allows (a whole
// 2048-token prompt per KV head with 32 KV heads and 2 threads).
SegmentPolicy cpu_segment_policy(int n_kv_heads, int threads);

// out[b] = softmax(q[b] K_b^T / sqrt(d)) V_b for every sequence b = seqs[b] in one layer.
// q, out: [n_seqs, n_heads, head_dim] fp32. Attends over positions [0, seq_length) of each
// sequence (the newest token's K/V must be stored first). A sequence of length 0 gets zeros.
// Throws CacheError for a bad layer, n_heads not a multiple of n_kv_heads, an unsupported
// head_dim, or unknown sequences. pool: nullptr = ThreadPool::global().
void decode_attention(const KvCache& cache, DecodePlan& plan, const std::vector<SeqId>& seqs,
                      int layer, int n_heads, const float* q, float* out, ThreadPool* pool = nullptr);

// Bytes of K/V each method must read from the pool for one layer of one step with this plan's
// work lists (for the benchmark's effective bandwidth): shared chunks once (Tpp) plus every
// sequence's own chunks up to its length.
uint64_t decode_kv_bytes_read(const KvCache& cache, const DecodeWorkList& work);

}  // namespace chunkserve
