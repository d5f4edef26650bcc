// Plain float64 reference attention over the cache, for tests: reads each position's K/V through
// KvCache::locate one at a time and computes softmax(q K^T / sqrt(d)) V in double.
#pragma once
#include <cstdint>
#include <vector>

#include "cache/kv_cache.h"

namespace chunkserve {

// Decode: q [n_seqs, n_heads, head_dim] fp32 -> out [n_seqs, n_heads, head_dim] double.
void reference_decode_attention(const KvCache& cache, const std::vector<SeqId>& seqs, int layer,
                                int n_heads, const float* q, double* out);

// Prefill (causal, see prefill_attention.h): q [n_q, n_heads, head_dim] -> out double.
void reference_prefill_attention(const KvCache& cache, SeqId seq, int layer, int32_t pos0,
                                 int32_t n_q, int n_heads, const float* q, double* out);

}  // namespace chunkserve
