#include "cuda/tpp_host_exec.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>

namespace chunkserve {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Emu {
  const TppDevicePlan& plan;
  const ChunkLayout& layout;
  const uint16_t* pool;
  int layer, n_heads;
  const int32_t* seq_len;  // decode only
  float scale_log2;

  int tokens(const TppChunkRef& r, int q_begin) const {
    if (r.n_tokens >= 0) return r.n_tokens;
    const int n = seq_len[q_begin] - r.pos;
    return n < 0 ? 0 : std::min(n, layout.chunk_size);
  }
  const uint16_t* plane(int chunk, int kv, int head) const {
    return pool + static_cast<size_t>(chunk) * layout.chunk_elems() + layout.plane_offset(layer, kv, head);
  }

  // One query row of a piece: unnormalised o[D], max m (log2 units), sum l. causal_pos < 0: none.
  void attend(const TppPiece& p, int kvh, const float* q_row, int causal_pos, float* o, float& m, float& l) const {
    const int D = layout.head_dim;
    std::vector<float> qr(D);
    for (int d = 0; d < D; ++d) qr[d] = bits16_to_float(layout.dtype, float_to_bits16(layout.dtype, q_row[d]));
    std::fill(o, o + D, 0.f);
    m = kNegInf;
    l = 0.f;
    for (int i = 0; i < p.n_refs; ++i) {
      const TppChunkRef& r = plan.refs[p.ref_begin + i];
      if (causal_pos >= 0 && r.pos > causal_pos) break;
      const int n_tok = tokens(r, p.q_begin);
      const uint16_t* K = plane(r.chunk, 0, kvh);
      const uint16_t* V = plane(r.chunk, 1, kvh);
      for (int t0 = 0; t0 < n_tok; t0 += 16) {  // one 16-key tile, as a warp does
        float s[16];
        float mx = kNegInf;
        for (int t = 0; t < 16; ++t) {
          const int tok = t0 + t;
          const bool ok = tok < n_tok && (causal_pos < 0 || r.pos + tok <= causal_pos);
          if (!ok) {
            s[t] = kNegInf;
            continue;
          }
          float acc = 0.f;
          for (int d = 0; d < D; ++d) acc += qr[d] * bits16_to_float(layout.dtype, K[tok * D + d]);
          s[t] = acc * scale_log2;
          mx = std::max(mx, s[t]);
        }
        const float m_new = std::max(m, mx);
        const float base = m_new == kNegInf ? 0.f : m_new;
        const float alpha = std::exp2(m - base);
        m = m_new;
        float psum = 0.f;
        for (int t = 0; t < 16; ++t) {
          s[t] = std::exp2(s[t] - base);
          psum += s[t];
        }
        l = l * alpha + psum;
        for (int d = 0; d < D; ++d) o[d] *= alpha;
        for (int t = 0; t < 16; ++t) {
          if (s[t] == 0.f) continue;
          const float pr = bits16_to_float(layout.dtype, float_to_bits16(layout.dtype, s[t]));
          const uint16_t* vrow = V + (t0 + t) * D;
          for (int d = 0; d < D; ++d) o[d] += pr * bits16_to_float(layout.dtype, vrow[d]);
        }
      }
    }
  }
};

}  // namespace


void tpp_host_decode(const TppDevicePlan& plan, const ChunkLayout& layout, const uint16_t* pool, int layer,
                     int n_heads, const std::vector<int32_t>& seq_len, const float* q, float* out) {
  check_step_lengths(plan, seq_len);
  const int D = layout.head_dim, G = plan.group;
  const Emu emu{plan, layout, pool, layer, n_heads, seq_len.data(), static_cast<float>(M_LOG2E / std::sqrt(double(D)))};
  // Phase 1: partial states per (partial row, head).
  std::vector<float> part_o(static_cast<size_t>(plan.n_partial_rows) * n_heads * D);
  std::vector<float> part_m(static_cast<size_t>(plan.n_partial_rows) * n_heads), part_l(part_m.size());
  for (const TppPiece& p : plan.chunk_first)
    for (int kvh = 0; kvh < layout.n_kv_heads; ++kvh)
      for (int qi = p.q_begin; qi < p.q_end; ++qi)
        for (int h = kvh * G; h < (kvh + 1) * G; ++h) {
          const size_t pr = static_cast<size_t>(p.out_row + qi - p.q_begin) * n_heads + h;
          emu.attend(p, kvh, q + (static_cast<size_t>(plan.q_row[qi]) * n_heads + h) * D, -1, &part_o[pr * D],
                     part_m[pr], part_l[pr]);
        }
  // Phase 2: own chunks, then the exact merge.
  std::vector<float> o(D);
  for (const TppPiece& p : plan.seq_first)
    for (int kvh = 0; kvh < layout.n_kv_heads; ++kvh)
      for (int h = kvh * G; h < (kvh + 1) * G; ++h) {
        const size_t row = static_cast<size_t>(plan.q_row[p.q_begin]) * n_heads + h;
        float m, l;
        emu.attend(p, kvh, q + row * D, -1, o.data(), m, l);
        float M = m;
        for (int k = p.merge_begin; k < p.merge_end; ++k)
          M = std::max(M, part_m[static_cast<size_t>(plan.merge_rows[k]) * n_heads + h]);
        float L = 0.f;
        std::vector<float> acc(D, 0.f);
        if (M != kNegInf) {
          const float w = std::exp2(m - M);
          L += w * l;
          for (int d = 0; d < D; ++d) acc[d] += w * o[d];
          for (int k = p.merge_begin; k < p.merge_end; ++k) {
            const size_t pr = static_cast<size_t>(plan.merge_rows[k]) * n_heads + h;
            const float wp = std::exp2(part_m[pr] - M);
            L += wp * part_l[pr];
            for (int d = 0; d < D; ++d) acc[d] += wp * part_o[pr * D + d];
          }
        }
        for (int d = 0; d < D; ++d) out[row * D + d] = L > 0.f ? acc[d] / L : 0.f;
      }
}

void tpp_host_prefill(const TppDevicePlan& plan, const ChunkLayout& layout, const uint16_t* pool, int layer,
                      int n_heads, int32_t pos0, const float* q, float* out) {
  const int D = layout.head_dim, G = plan.group;
  const Emu emu{plan, layout, pool, layer, n_heads, nullptr, static_cast<float>(M_LOG2E / std::sqrt(double(D)))};
  const TppPiece& p = plan.seq_first.at(0);
  std::vector<float> o(D);
  for (int kvh = 0; kvh < layout.n_kv_heads; ++kvh)
    for (int t = p.q_begin; t < p.q_end; ++t)
      for (int h = kvh * G; h < (kvh + 1) * G; ++h) {
        const size_t row = static_cast<size_t>(t) * n_heads + h;
        float m, l;
        emu.attend(p, kvh, q + row * D, pos0 + t, o.data(), m, l);
        for (int d = 0; d < D; ++d) out[row * D + d] = l > 0.f ? o[d] / l : 0.f;
      }
}

void tpp_host_append(const TppDevicePlan& plan, const ChunkLayout& layout, uint16_t* pool, int layer,
                     const std::vector<int32_t>& seq_len, const float* k, const float* v) {
  check_step_lengths(plan, seq_len);
  const int D = layout.head_dim, n_kv = layout.n_kv_heads;
  for (int i = 0; i < plan.n_seqs; ++i) {
    const int ref = find_append_ref(plan.refs.data(), plan.seq_first[i], seq_len[i], layout.chunk_size);
    if (ref < 0)
      throw std::invalid_argument("CUDA TPP append: DFS position " + std::to_string(i) + " has no own chunk for position " +
                                  std::to_string(seq_len[i] - 1));
    const TppChunkRef& r = plan.refs[ref];
    const int slot = seq_len[i] - 1 - r.pos;
    const size_t row = static_cast<size_t>(plan.q_row[i]) * n_kv;
    for (int h = 0; h < n_kv; ++h)
      for (int kv = 0; kv < 2; ++kv) {
        uint16_t* dst = pool + static_cast<size_t>(r.chunk) * layout.chunk_elems() + layout.row_offset(layer, kv, h, slot);
        const float* src = (kv == 0 ? k : v) + (row + h) * D;
        for (int d = 0; d < D; ++d) dst[d] = float_to_bits16(layout.dtype, src[d]);
      }
  }
}

}  // namespace chunkserve
