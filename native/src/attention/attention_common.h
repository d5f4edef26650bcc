// Argument checks and the exact merge of softmax states shared by the attention entry points.
#pragma once
#include <cmath>
#include <string>

#include "attention/attend_kernels.h"
#include "cache/kv_cache.h"

namespace chunkserve {

// Validates layer / n_heads / head_dim / pointers and returns the kernels for the cache's dtype.
inline const AttendKernels& checked_kernels(const KvCache& cache, int layer, int n_heads, const void* q, const void* out) {
  const KvCacheConfig& c = cache.config();
  if (layer < 0 || layer >= c.n_layers)
    throw CacheError("attention: layer " + std::to_string(layer) + " out of range [0, " + std::to_string(c.n_layers) + ")");
  if (n_heads <= 0 || n_heads % c.n_kv_heads != 0)
    throw CacheError("attention: n_heads " + std::to_string(n_heads) + " is not a positive multiple of n_kv_heads " +
                     std::to_string(c.n_kv_heads));
  if (q == nullptr || out == nullptr) throw CacheError("attention: null q or out");
  const AttendKernels* k = attend_kernels(c.head_dim, c.dtype);
  if (k == nullptr)
    throw CacheError("attention: head_dim " + std::to_string(c.head_dim) + " not supported (64, 80, 96, 128, 256)");
  return *k;
}

// Merges the state (po[hd], pm, pl) into (o[hd], m, l): exact online-softmax combination.
inline void merge_state(float* o, float& m, float& l, const float* po, float pm, float pl, int hd) {
  const float mx = std::max(m, pm);
  if (mx == -INFINITY) return;  // both empty
  const float x = m == -INFINITY ? 0.f : std::exp(m - mx);
  const float y = pm == -INFINITY ? 0.f : std::exp(pm - mx);
  for (int d = 0; d < hd; ++d) o[d] = x * o[d] + y * po[d];
  l = x * l + y * pl;
  m = mx;
}

inline int round_up_to(int x, int m) { return (x + m - 1) / m * m; }

}  // namespace chunkserve
