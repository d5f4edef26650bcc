#include "attention/reference_attention.h"

#include <algorithm>
#include <cmath>

namespace chunkserve {

// out[hd] = softmax over keys [0, n_keys) of seq, query row q[hd], KV head h, in double.
static void reference_row(const KvCache& cache, SeqId seq, int layer, int h, int32_t n_keys, const float* q, double* out) {
  const KvCacheConfig& c = cache.config();
  const int hd = c.head_dim;
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  std::vector<double> s(n_keys);
  double mx = -INFINITY;
  for (int32_t t = 0; t < n_keys; ++t) {
    const KvSlot slot = cache.locate(seq, t);
    const uint8_t* k = cache.plane(slot.chunk, layer, 0, h);
    double dot = 0;
    for (int d = 0; d < hd; ++d) dot += static_cast<double>(q[d]) * load_double(c.dtype, k, static_cast<size_t>(slot.slot) * hd + d);
    s[t] = dot * scale;
    mx = std::max(mx, s[t]);
  }
  std::fill(out, out + hd, 0.0);
  double sum = 0;
  for (int32_t t = 0; t < n_keys; ++t) {
    const double p = std::exp(s[t] - mx);
    sum += p;
    const KvSlot slot = cache.locate(seq, t);
    const uint8_t* v = cache.plane(slot.chunk, layer, 1, h);
    for (int d = 0; d < hd; ++d) out[d] += p * load_double(c.dtype, v, static_cast<size_t>(slot.slot) * hd + d);
  }
  if (sum > 0)
    for (int d = 0; d < hd; ++d) out[d] /= sum;
}

static void check_args(const KvCache& cache, int layer, int n_heads) {
  const KvCacheConfig& c = cache.config();
  if (layer < 0 || layer >= c.n_layers) throw CacheError("reference attention: layer out of range");
  if (n_heads <= 0 || n_heads % c.n_kv_heads != 0) throw CacheError("reference attention: n_heads not a multiple of n_kv_heads");
}

void reference_decode_attention(const KvCache& cache, const std::vector<SeqId>& seqs, int layer, int n_heads,
                                const float* q, double* out) {
  check_args(cache, layer, n_heads);
  const int hd = cache.config().head_dim, G = n_heads / cache.config().n_kv_heads;
  for (size_t b = 0; b < seqs.size(); ++b)
    for (int hq = 0; hq < n_heads; ++hq) {
      const size_t row = (b * n_heads + hq) * hd;  // [n_seqs, n_heads, hd]
      reference_row(cache, seqs[b], layer, hq / G, cache.seq_length(seqs[b]), q + row, out + row);
    }
}

void reference_prefill_attention(const KvCache& cache, SeqId seq, int layer, int32_t pos0, int32_t n_q, int n_heads,
                                 const float* q, double* out) {
  check_args(cache, layer, n_heads);
  if (pos0 < 0 || n_q < 0 || static_cast<int64_t>(pos0) + n_q > cache.seq_length(seq))
    throw CacheError("reference prefill: queries outside the sequence");
  const int hd = cache.config().head_dim, G = n_heads / cache.config().n_kv_heads;
  for (int32_t t = 0; t < n_q; ++t)
    for (int hq = 0; hq < n_heads; ++hq) {
      const size_t row = (static_cast<size_t>(t) * n_heads + hq) * hd;  // [n_q, n_heads, hd]
      reference_row(cache, seq, layer, hq / G, pos0 + t + 1, q + row, out + row);
    }
}

}  // namespace chunkserve
