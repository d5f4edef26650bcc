// Prefill attention: n_q query tokens of one sequence, at positions [pos0, pos0 + n_q), attend
// causally over the sequence's cached prefix [0, pos0) and themselves: query t sees keys
// [0, pos0 + t]. Their K/V must already be stored in the cache (store_kv_rows) for this layer.
#pragma once
#include <cstdint>

#include "cache/kv_cache.h"
#include "common/thread_pool.h"

namespace chunkserve {

// q, out: [n_q, n_heads, head_dim] fp32. pos0 + n_q <= seq_length(seq). Throws CacheError on bad
// arguments (as decode_attention). pool: nullptr = ThreadPool::global().
void prefill_attention(const KvCache& cache, SeqId seq, int layer, int32_t pos0, int32_t n_q,
                       int n_heads, const float* q, float* out, ThreadPool* pool = nullptr);

}  // namespace chunkserve
