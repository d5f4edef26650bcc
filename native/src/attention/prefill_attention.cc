#include "attention/prefill_attention.h"

#include <algorithm>
#include <cmath>

#include "attention/attention_common.h"

namespace chunkserve {

void prefill_attention(const KvCache& cache, SeqId seq, int layer, int32_t pos0, int32_t n_q, int n_heads,
                       const float* q, float* out, ThreadPool* pool) {
  if (n_q == 0) return;
  const AttendKernels& kern = checked_kernels(cache, layer, n_heads, q, out);
  const int32_t len = cache.seq_length(seq);
  if (pos0 < 0 || n_q < 0 || static_cast<int64_t>(pos0) + n_q > len)
    throw CacheError("prefill_attention: queries [" + std::to_string(pos0) + ", " + std::to_string(int64_t(pos0) + n_q) +
                     ") outside sequence " + std::to_string(seq) + " of length " + std::to_string(len));
  const std::vector<ChunkId>& chunks = cache.seq_chunks(seq);
  const int hd = cache.config().head_dim, nkv = cache.config().n_kv_heads, c = cache.config().chunk_size;
  const int G = n_heads / nkv;
  const float scale = 1.f / std::sqrt(static_cast<float>(hd));
  // Blocks of consecutive queries; a block's rows (queries x G heads) share each chunk's K/V read.
  const int block = std::max(1, 64 / G);
  const int n_blocks = (n_q + block - 1) / block;
  ThreadPool& tp = pool != nullptr ? *pool : ThreadPool::global();
  tp.parallel_for(static_cast<int64_t>(n_blocks) * nkv, [&](int64_t task, int) {
    const int blk = static_cast<int>(task / nkv), h = static_cast<int>(task % nkv);
    const int q0 = blk * block, nb = std::min(block, n_q - q0);
    const int n_real = nb * G;  // row r = qi * G + g
    const int rows = round_up_to(n_real, kern.lanes);
    thread_local std::vector<float> qt, ot, m, l, limit;  // [hd][rows] x2, [rows] x3
    thread_local RvScratch scratch;
    qt.assign(static_cast<size_t>(hd) * rows, 0.f);
    ot.assign(static_cast<size_t>(hd) * rows, 0.f);
    m.assign(rows, -INFINITY);
    l.assign(rows, 0.f);
    limit.resize(rows);
    for (int qi = 0; qi < nb; ++qi)
      for (int g = 0; g < G; ++g) {
        const float* src = q + (static_cast<size_t>(q0 + qi) * n_heads + h * G + g) * hd;  // q: [n_q, n_heads, hd]
        for (int d = 0; d < hd; ++d) qt[static_cast<size_t>(d) * rows + qi * G + g] = src[d] * scale;
      }
    const int32_t visible_end = pos0 + q0 + nb;  // keys [0, visible_end) matter to this block
    for (int k = 0; k * c < visible_end; ++k) {
      const int n_tok = std::min(c, visible_end - k * c);
      // query at position p sees keys <= p: within this chunk, the first p + 1 - k*c of them
      const bool masked = pos0 + q0 + 1 - k * c < n_tok;
      if (masked) {
        for (int r = 0; r < rows; ++r) {
          const int qi = r / G;
          const int see = qi < nb ? pos0 + q0 + qi + 1 - k * c : n_tok;  // padding rows: unmasked
          limit[r] = static_cast<float>(std::clamp(see, 0, n_tok));
        }
      }
      const bool more = (k + 1) * c < visible_end;
      kern.rv(qt.data(), rows, cache.plane(chunks[k], layer, 0, h), cache.plane(chunks[k], layer, 1, h), n_tok,
              masked ? limit.data() : nullptr, ot.data(), m.data(), l.data(), scratch,
              more ? cache.plane(chunks[k + 1], layer, 0, h) : nullptr, more ? cache.plane(chunks[k + 1], layer, 1, h) : nullptr);
    }
    for (int qi = 0; qi < nb; ++qi)
      for (int g = 0; g < G; ++g) {
        const int r = qi * G + g;
        const float inv = l[r] > 0.f ? 1.f / l[r] : 0.f;
        float* dst = out + (static_cast<size_t>(q0 + qi) * n_heads + h * G + g) * hd;  // out: [n_q, n_heads, hd]
        for (int d = 0; d < hd; ++d) dst[d] = ot[static_cast<size_t>(d) * rows + r] * inv;
      }
  });
}

}  // namespace chunkserve
