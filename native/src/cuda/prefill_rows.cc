#include "cuda/prefill_rows.h"

#include <string>

namespace chunkserve {

PrefillRows prefill_rows(const KvCache& cache, const Batch& batch) {
  const int32_t c = cache.layout().chunk_size;
  PrefillRows out;
  for (const BatchSpan& s : batch.spans()) {
    if (s.row0 < batch.n_decode()) continue;
    if (s.pos0 < cache.seq_computed_length(s.seq) || s.pos0 + s.n > cache.seq_length(s.seq))
      throw CacheError("store_kv: positions [" + std::to_string(s.pos0) + ", " + std::to_string(s.pos0 + s.n) +
                       ") not inside the uncomputed range [" + std::to_string(cache.seq_computed_length(s.seq)) + ", " +
                       std::to_string(cache.seq_length(s.seq)) + ") of sequence " + std::to_string(s.seq));
    const std::vector<ChunkId>& path = cache.seq_chunks(s.seq);
    for (int32_t t = 0; t < s.n; ++t) {
      out.rows.push_back(s.row0 + t);
      out.slots.push_back(path[(s.pos0 + t) / c] * c + (s.pos0 + t) % c);
    }
    out.spans.push_back(&s);
  }
  return out;
}

}  // namespace chunkserve
