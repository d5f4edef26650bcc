// Where a forward step's prefill rows go in the chunk pool: the table the CUDA backend uploads
// once per step (store_slots_kernel in kv_store_kernels.cuh writes K/V through it). Plain host
// code, tested without a GPU.
#pragma once
#include <cstdint>
#include <vector>

#include "cache/kv_cache.h"
#include "runtime/batch.h"

namespace chunkserve {

struct PrefillRows {
  std::vector<int32_t> rows;   // [n] batch row of every prefill token, span by span
  std::vector<int32_t> slots;  // [n] its pool slot: chunk * chunk_size + position % chunk_size
  std::vector<const BatchSpan*> spans;  // the batch's prefill spans (rows past the decode rows)
};

// Throws CacheError, as KvCache::store_kv_rows does, when a span's positions are not inside its
// sequence's uncomputed range.
PrefillRows prefill_rows(const KvCache& cache, const Batch& batch);

}  // namespace chunkserve
