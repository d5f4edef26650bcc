// Template bodies of the dv and rv attention kernels (attend_kernels.h). Included once per
// instruction set by attend_kernels_<isa>.cc after defining CS_SIMD (a Simd* helper struct) and
// CS_ISA_NS (a namespace that keeps the instantiations of different ISAs apart).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>

#include "attention/attend_kernels.h"
#include "common/simd_math.h"

namespace chunkserve {
namespace CS_ISA_NS {

using S = CS_SIMD;
using V = typename S::V;
constexpr int W = S::W;
// Register tiles (accumulators = tile product): 16 of 32 zmm with AVX-512, 8 of 16 ymm with AVX2.
constexpr int kTileTokens = W == 16 ? 8 : 4;  // rv QK^T: tokens x 2 row vectors
constexpr int kTileDims = W == 16 ? 8 : 4;    // rv PV: head dims x 2 row vectors

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

// W consecutive elements of a K/V plane starting at element idx, as fp32.
template <DType DT>
inline V load_kv(const void* base, size_t idx) {
  if constexpr (DT == DType::F32) return S::load(static_cast<const float*>(base) + idx);
  else if constexpr (DT == DType::F16) return S::load_f16(static_cast<const uint16_t*>(base) + idx);
  else return S::load_bf16(static_cast<const uint16_t*>(base) + idx);
}

// Issues L2 prefetches for one plane a few lines per call, spread over a kernel's loop so that
// the next chunk's K/V arrive while this one computes.
struct PlanePrefetch {
  const char* p = nullptr;
  size_t bytes = 0;  // of the plane (nothing to do when p is null)
  size_t done = 0;   // bytes issued so far
  size_t step = 0;   // bytes per call
  PlanePrefetch(const void* plane, size_t plane_bytes, size_t calls)
      : p(static_cast<const char*>(plane)), bytes(plane == nullptr ? 0 : plane_bytes) {
    const size_t per_call = (plane_bytes + calls - 1) / std::max<size_t>(calls, 1);  // rounded up
    step = (per_call + 63) / 64 * 64;                                                // whole lines
  }
  void operator()() {
    const size_t end = std::min(bytes, done + step);
    for (; done < end; done += 64) __builtin_prefetch(p + done, 0, 2);
  }
};

// Both planes of the next chunk. dv calls it once per token of each of its loops; the rv tiles
// every kPrefetchEvery steps of their inner loops, so that the prefetches trickle out at the pace
// of the FMAs: issued a tile's worth at a time they stalled on the miss buffers (phase 1 was
// 7-11% slower in an in-process A/B).
constexpr int kPrefetchEvery = 8;
struct PlanePrefetcher {
  PlanePrefetch k, v;
  void operator()() {
    k();
    v();
  }
};

// ---- dv: G query rows, vectors along head_dim ---------------------------------------------
// Output rows a dv pass keeps in registers: R x NV accumulators (+ R broadcasts and a V vector)
// within the 32 vector registers of AVX-512 or the 16 of AVX2.
template <int NV>
constexpr int kDvRows = std::max(1, (W == 16 ? 24 : 12) / NV);

// One row's online softmax over a chunk's scores sg[0, n_tok) (stride: sg's padded length):
// sg becomes p = exp(s - m_new), l and m are updated, and the old output's rescale is returned.
inline float dv_softmax_row(float* sg, int n_tok, int stride, float& m, float& l) {
  for (int t = n_tok; t < stride; ++t) sg[t] = -INFINITY;
  V mx = S::set1(-INFINITY);
  for (int t = 0; t < stride; t += W) mx = S::max(mx, S::load(sg + t));
  const float m_new = std::max(m, S::hmax(mx));
  const float alpha = m == -INFINITY ? 0.f : std::exp(m - m_new);
  const V mv = S::set1(m_new);
  V sum = S::zero();
  for (int t = 0; t < stride; t += W) {
    const V p = vexp<S>(S::sub(S::load(sg + t), mv));
    S::store(sg + t, p);
    sum = S::add(sum, p);
  }
  l = l * alpha + S::hsum(sum);
  m = m_new;
  return alpha;
}

// R rows of a dv call from row g: their softmax over the scores s: [G][stride], then
// o[g + r] = alpha_r o[g + r] + sum_t p[g + r][t] v_t with the R output rows in registers (the
// rescale applied as they load); V widened per token.
template <int HD, DType DT, int R>
inline void dv_rows(int g, float* s, int stride, const void* v, int n_tok, float* o, float* m, float* l,
                    PlanePrefetcher& pf) {
  constexpr int NV = HD / W;
  const float* p = s + g * stride;
  o += g * HD;
  V acc[R][NV];
  for (int r = 0; r < R; ++r) {
    const V alpha = S::set1(dv_softmax_row(s + (g + r) * stride, n_tok, stride, m[g + r], l[g + r]));
    for (int i = 0; i < NV; ++i) acc[r][i] = S::mul(S::load(o + r * HD + i * W), alpha);
  }
  for (int t = 0; t < n_tok; ++t) {
    pf();
    V pr[R];
    for (int r = 0; r < R; ++r) pr[r] = S::set1(p[r * stride + t]);
    for (int i = 0; i < NV; ++i) {
      const V vi = load_kv<DT>(v, static_cast<size_t>(t) * HD + i * W);
      for (int r = 0; r < R; ++r) acc[r][i] = S::fmadd(pr[r], vi, acc[r][i]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < NV; ++i) S::store(o + r * HD + i * W, acc[r][i]);
}

template <int HD, DType DT>
void dv(const float* q, int G, const void* k, const void* v, int n_tok, float* o, float* m, float* l, float* s,
        const void* next_k, const void* next_v) {
  static_assert(HD % W == 0, "head_dim must be a multiple of the vector width");
  constexpr int NV = HD / W;
  if (n_tok <= 0) return;
  const int stride = round_up(n_tok, W);  // s: [G][stride]
  // The next chunk's K and V together, paced over both loops below (one call per token in each,
  // 2 n_tok calls; there is a next chunk only when this one is full, so n_tok tokens cover it).
  // Its K under the score loop and its V under the short output loop read K/V 8-17% slower
  // (native/bench/ab/decode-attention.js unshared, 5 of 5 alternating runs, docs/benchmarks.md).
  const size_t plane_bytes = static_cast<size_t>(n_tok) * HD * (DT == DType::F32 ? 4 : 2);
  PlanePrefetcher pf{PlanePrefetch(next_k, plane_bytes, 2 * static_cast<size_t>(n_tok)),
                     PlanePrefetch(next_v, plane_bytes, 2 * static_cast<size_t>(n_tok))};

  // 1. scores s[g][t] = q_g . k_t (k_t converted once, used by all G rows)
  for (int t = 0; t < n_tok; ++t) {
    pf();
    V kr[NV];  // [HD] as NV vectors
    for (int i = 0; i < NV; ++i) kr[i] = load_kv<DT>(k, static_cast<size_t>(t) * HD + i * W);
    for (int g = 0; g < G; ++g) {
      const float* qg = q + g * HD;
      V a0 = S::zero(), a1 = S::zero();  // two chains to hide FMA latency
      for (int i = 0; i + 1 < NV; i += 2) {
        a0 = S::fmadd(S::load(qg + i * W), kr[i], a0);
        a1 = S::fmadd(S::load(qg + (i + 1) * W), kr[i + 1], a1);
      }
      if (NV & 1) a0 = S::fmadd(S::load(qg + (NV - 1) * W), kr[NV - 1], a0);
      s[g * stride + t] = S::hsum(S::add(a0, a1));
    }
  }

  // 2. per row, the online softmax and o_g += sum_t p[g][t] v_t: kDvRows rows at a time with
  // their outputs in registers; each pass widens the V rows again (from L1 after the first),
  // cheaper than loading and storing every row's output per token (G = 4 and 8, head_dim 128:
  // docs/benchmarks.md).
  constexpr int R = kDvRows<NV>;
  int g = 0;
  for (; g + R <= G; g += R) dv_rows<HD, DT, R>(g, s, stride, v, n_tok, o, m, l, pf);
  for (; g + 2 <= G && R > 2; g += 2) dv_rows<HD, DT, 2>(g, s, stride, v, n_tok, o, m, l, pf);
  for (; g < G; ++g) dv_rows<HD, DT, 1>(g, s, stride, v, n_tok, o, m, l, pf);
}

// ---- rv: many query rows, vectors along the rows --------------------------------------------
// st[t][r0 + j] = sum_d kf[t][d] * qt[d][r0 + j] for NT tokens from t0 and NR row vectors from r0;
// when mx is given, also mx[r0 + j] = max(mx[r0 + j], those scores) from the registers, which
// saves the softmax a pass over the scores (phase 1 +3-4%, rv-ab.sh, docs/benchmarks.md).
template <int HD, int NT, int NR>
inline void qk_tile(const float* kf, const float* qt, int rows, int t0, int r0, float* st, float* mx, PlanePrefetcher& pf) {
  V acc[NT][NR];
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < NR; ++r) acc[t][r] = S::zero();
#pragma GCC unroll 4
  for (int d = 0; d < HD; ++d) {
    if (d % kPrefetchEvery == 0) pf();
    V qv[NR];
    for (int r = 0; r < NR; ++r) qv[r] = S::load(qt + static_cast<size_t>(d) * rows + r0 + r * W);
    for (int t = 0; t < NT; ++t) {
      const V kb = S::set1(kf[static_cast<size_t>(t0 + t) * HD + d]);
      for (int r = 0; r < NR; ++r) acc[t][r] = S::fmadd(kb, qv[r], acc[t][r]);
    }
  }
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < NR; ++r) S::store(st + static_cast<size_t>(t0 + t) * rows + r0 + r * W, acc[t][r]);
  if (mx == nullptr) return;
  for (int r = 0; r < NR; ++r) {
    V v = S::load(mx + r0 + r * W);
    for (int t = 0; t < NT; ++t) v = S::max(v, acc[t][r]);
    S::store(mx + r0 + r * W, v);
  }
}

template <int HD, int NR>
inline void qk_rows(const float* kf, const float* qt, int rows, int n_tok, int r0, float* st, float* mx, PlanePrefetcher& pf) {
  int t = 0;
  for (; t + kTileTokens <= n_tok; t += kTileTokens) qk_tile<HD, kTileTokens, NR>(kf, qt, rows, t, r0, st, mx, pf);
  for (; t < n_tok; ++t) qk_tile<HD, 1, NR>(kf, qt, rows, t, r0, st, mx, pf);
}

// ot[d0 + i][r0 + j] = alpha[r0 + j] * ot[d0 + i][r0 + j] + sum_t vf[t][d0 + i] * pt[t][r0 + j] for
// ND dims and NR row vectors (the online softmax's rescale of the old output, applied as the
// accumulators load instead of in a pass of its own).
template <int HD, int ND, int NR>
inline void pv_tile(const float* vf, const float* pt, int rows, int n_tok, int d0, int r0, float* ot, const float* alpha,
                    PlanePrefetcher& pf) {
  V acc[ND][NR];
  V al[NR];
  for (int r = 0; r < NR; ++r) al[r] = S::load(alpha + r0 + r * W);
  for (int i = 0; i < ND; ++i)
    for (int r = 0; r < NR; ++r) acc[i][r] = S::mul(S::load(ot + static_cast<size_t>(d0 + i) * rows + r0 + r * W), al[r]);
  for (int t = 0; t < n_tok; ++t) {
    if (t % kPrefetchEvery == 0) pf();
    V pv[NR];
    for (int r = 0; r < NR; ++r) pv[r] = S::load(pt + static_cast<size_t>(t) * rows + r0 + r * W);
    for (int i = 0; i < ND; ++i) {
      const V vb = S::set1(vf[static_cast<size_t>(t) * HD + d0 + i]);
      for (int r = 0; r < NR; ++r) acc[i][r] = S::fmadd(vb, pv[r], acc[i][r]);
    }
  }
  for (int i = 0; i < ND; ++i)
    for (int r = 0; r < NR; ++r) S::store(ot + static_cast<size_t>(d0 + i) * rows + r0 + r * W, acc[i][r]);
}

template <int HD, int NR>
inline void pv_rows(const float* vf, const float* pt, int rows, int n_tok, int r0, float* ot, const float* alpha,
                    PlanePrefetcher& pf) {
  static_assert(HD % kTileDims == 0, "head_dim must be a multiple of the PV tile");
  for (int d = 0; d < HD; d += kTileDims) {
    pv_tile<HD, kTileDims, NR>(vf, pt, rows, n_tok, d, r0, ot, alpha, pf);
  }
}

template <int HD, DType DT>
void rv(const float* qt, int rows, const void* k, const void* v, int n_tok, const float* limit, float* ot, float* m,
        float* l, RvScratch& sc, const void* next_k, const void* next_v) {
  if (n_tok <= 0) return;
  const size_t n_elems = static_cast<size_t>(n_tok) * HD;
  const int n_rv = rows / W;
  const size_t plane_bytes = n_elems * (DT == DType::F32 ? 4 : 2);  // the next chunk is full when there is one
  // prefetcher calls in this chunk: per pass of two row vectors, every QK tile calls it
  // HD / kPrefetchEvery times and every PV tile n_tok / kPrefetchEvery times
  const size_t calls = static_cast<size_t>((n_rv + 1) / 2) *
                       (static_cast<size_t>(n_tok / kTileTokens) * (HD / kPrefetchEvery) +
                        static_cast<size_t>(HD / kTileDims) * (n_tok / kPrefetchEvery));
  PlanePrefetcher pf{PlanePrefetch(next_k, plane_bytes, calls), PlanePrefetch(next_v, plane_bytes, calls)};
  const float* kf;  // [n_tok][HD] fp32
  const float* vf;  // [n_tok][HD] fp32
  if constexpr (DT == DType::F32) {
    kf = static_cast<const float*>(k);
    vf = static_cast<const float*>(v);
  } else {  // convert once per chunk: the GEMMs below broadcast single fp32 elements
    if (sc.kf.size() < n_elems) sc.kf.resize(n_elems);
    if (sc.vf.size() < n_elems) sc.vf.resize(n_elems);
    float* kd = sc.kf.data();
    float* vd = sc.vf.data();
    for (size_t i = 0; i < n_elems; i += W) {
      S::store(kd + i, load_kv<DT>(k, i));
      S::store(vd + i, load_kv<DT>(v, i));
    }
    kf = kd;
    vf = vd;
  }
  const size_t n_scores = static_cast<size_t>(n_tok) * rows;
  if (sc.s.size() < n_scores) sc.s.resize(n_scores);
  float* st = sc.s.data();  // [n_tok][rows]

  if (sc.mx.size() < static_cast<size_t>(rows)) sc.mx.resize(rows);
  if (sc.alpha.size() < static_cast<size_t>(rows)) sc.alpha.resize(rows);
  float* mx = sc.mx.data();        // [rows] running max, fused into the QK tiles' stores
  float* alpha = sc.alpha.data();  // [rows] rescale of the old O, fused into the PV tiles' loads
  float* fused_max = limit == nullptr ? mx : nullptr;  // a causal limit masks scores first
  if (fused_max != nullptr) std::copy(m, m + rows, mx);

  // 1. S^T = K Q^T (scaled queries), two row vectors at a time
  int rb = 0;
  for (; rb + 2 <= n_rv; rb += 2) qk_rows<HD, 2>(kf, qt, rows, n_tok, rb * W, st, fused_max, pf);
  if (rb < n_rv) qk_rows<HD, 1>(kf, qt, rows, n_tok, rb * W, st, fused_max, pf);

  // 2. online softmax per row vector, with the causal limit when given
  const V neg_inf = S::set1(-INFINITY);
  for (int r0 = 0; r0 < rows; r0 += W) {
    const V m_old = S::load(m + r0);
    V mx_v = m_old;
    if (limit != nullptr) {
      const V lim = S::load(limit + r0);
      for (int t = 0; t < n_tok; ++t) {
        float* p = st + static_cast<size_t>(t) * rows + r0;
        const V sv = S::select_lt(S::set1(static_cast<float>(t)), lim, S::load(p), neg_inf);
        S::store(p, sv);
        mx_v = S::max(mx_v, sv);
      }
    } else {
      mx_v = S::load(mx + r0);
    }
    const V m_safe = S::select_lt(mx_v, S::set1(-FLT_MAX), S::zero(), mx_v);  // rows that saw nothing yet
    const V a = vexp<S>(S::sub(m_old, m_safe));                                // 0 when m_old = -inf
    V sum = S::zero();
    for (int t = 0; t < n_tok; ++t) {
      float* p = st + static_cast<size_t>(t) * rows + r0;
      const V e = vexp<S>(S::sub(S::load(p), m_safe));
      S::store(p, e);
      sum = S::add(sum, e);
    }
    S::store(l + r0, S::fmadd(S::load(l + r0), a, sum));
    S::store(m + r0, mx_v);
    S::store(alpha + r0, a);
  }

  // 3. O^T = alpha O^T + V^T P^T
  rb = 0;
  for (; rb + 2 <= n_rv; rb += 2) pv_rows<HD, 2>(vf, st, rows, n_tok, rb * W, ot, alpha, pf);
  if (rb < n_rv) pv_rows<HD, 1>(vf, st, rows, n_tok, rb * W, ot, alpha, pf);
}

// ---- table ------------------------------------------------------------------------------
template <int HD>
constexpr AttendKernels entry(DType dt) {
  return dt == DType::F32   ? AttendKernels{HD, W, &dv<HD, DType::F32>, &rv<HD, DType::F32>}
         : dt == DType::F16 ? AttendKernels{HD, W, &dv<HD, DType::F16>, &rv<HD, DType::F16>}
                              : AttendKernels{HD, W, &dv<HD, DType::BF16>, &rv<HD, DType::BF16>};
}

inline const AttendKernels* lookup(int head_dim, DType dt) {
  static const AttendKernels table[5][3] = {
      {entry<64>(DType::F32), entry<64>(DType::F16), entry<64>(DType::BF16)},
      {entry<80>(DType::F32), entry<80>(DType::F16), entry<80>(DType::BF16)},
      {entry<96>(DType::F32), entry<96>(DType::F16), entry<96>(DType::BF16)},
      {entry<128>(DType::F32), entry<128>(DType::F16), entry<128>(DType::BF16)},
      {entry<256>(DType::F32), entry<256>(DType::F16), entry<256>(DType::BF16)},
  };
  int row;
  switch (head_dim) {
    case 64: row = 0; break;
    case 80: row = 1; break;
    case 96: row = 2; break;
    case 128: row = 3; break;
    case 256: row = 4; break;
    default: return nullptr;
  }
  return &table[row][static_cast<int>(dt)];
}

}  // namespace CS_ISA_NS
}  // namespace chunkserve
