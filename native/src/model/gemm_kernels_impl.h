// Template bodies of the GEMM micro-kernels (gemm_kernels.h). Included once per instruction set
// by gemm_kernels_<isa>.cc after defining CS_SIMD (a Simd* helper struct), CS_ISA_NS (a namespace
// that keeps the instantiations apart) and CS_REGS (vector registers: 32, 16, ...).
#include <cmath>
#include <cstddef>

#include "common/simd_math.h"
#include "model/gemm_kernels.h"

namespace chunkserve {
namespace CS_ISA_NS {

using S = CS_SIMD;
using V = typename S::V;
constexpr int W = S::W;
constexpr int NR = 2 * W;  // panel width

// W weights of row k of a panel, widened to fp32.
template <DType WT>
inline V load_w(const uint8_t* panel, int64_t idx) {
  if constexpr (WT == DType::F32) return S::load(reinterpret_cast<const float*>(panel) + idx);
  else if constexpr (WT == DType::F16) return S::load_f16(reinterpret_cast<const uint16_t*>(panel) + idx);
  else return S::load_bf16(reinterpret_cast<const uint16_t*>(panel) + idx);
}

// Stores vector j (W columns from column j * W) of a tile row, only its columns below `cols`.
inline void store_part(float* row, int j, V v, int cols) {
  const int n = cols - j * W;
  if (n >= W) S::store(row + j * W, v);
  else if (n > 0) S::store_n(row + j * W, v, n);
}
inline V load_part(const float* row, int j, int cols) {
  const int n = cols - j * W;
  return n >= W ? S::load(row + j * W) : n > 0 ? S::load_n(row + j * W, n) : S::zero();
}

// acc[r][j] += sum_k x[r][k] w[k][j] over the tile's K block; with PF, also an L1 prefetch of
// each panel's row k + kPrefetchAheadK (one or two lines: nr weights of 2 or 4 bytes); with
// NEXT, also t.next_lines_per_k lines of [t.next, t.next_end) into L2 (prefetcht1: in-process A/B
// on the peer model's linear layers at T = 32, +12% where prefetcht0 gave +9% and prefetcht2 +4%).
template <DType WT, int MR, int P, bool PF, bool NEXT>
inline void k_loop(const GemmTile& t, V (&acc)[MR][2 * P]) {
  constexpr int NV = 2 * P;
  constexpr int64_t kRowBytes = NR * (WT == DType::F32 ? 4 : 2);
  const uint8_t* panel[P];
  for (int p = 0; p < P; ++p) panel[p] = t.panels[p];
  const float* x = t.x;
  const uint8_t* next = t.next;
  for (int64_t k = 0; k < t.kc; ++k) {
    if constexpr (PF) {
      for (int p = 0; p < P; ++p) {  // past the panel's end it reaches the next one: harmless
        const uint8_t* ahead = panel[p] + (k + kPrefetchAheadK) * kRowBytes;
        for (int64_t b = 0; b < kRowBytes; b += 64) __builtin_prefetch(ahead + b, 0, 3);
      }
    }
    if constexpr (NEXT) {
      for (int i = 0; i < t.next_lines_per_k && next < t.next_end; ++i, next += 64) __builtin_prefetch(next, 0, 2);
    }
    V w[NV];
    for (int p = 0; p < P; ++p) {
      w[2 * p] = load_w<WT>(panel[p], k * NR);
      w[2 * p + 1] = load_w<WT>(panel[p], k * NR + W);
    }
    for (int r = 0; r < MR; ++r) {
      const V xb = S::set1(x[r * t.ldx + k]);
      for (int j = 0; j < NV; ++j) acc[r][j] = S::fmadd(xb, w[j], acc[r][j]);
    }
  }
}

template <DType WT, int MR, int P>
void micro(const GemmTile& t) {
  constexpr int NV = 2 * P;  // vectors per tile row
  static_assert(MR * NV + NV + 1 <= CS_REGS, "the tile does not fit the vector registers");
  V acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NV; ++j) acc[r][j] = t.load_c ? load_part(t.c + r * t.ldc, j, t.cols) : S::zero();
  if (t.next != nullptr) k_loop<WT, MR, P, true, true>(t, acc);
  else if (t.prefetch) k_loop<WT, MR, P, true, false>(t, acc);
  else k_loop<WT, MR, P, false, false>(t, acc);
  if constexpr (P == 2) {
    if (t.end == TileEnd::SwiGLU) {  // vectors 0, 1 gate; 2, 3 up
      for (int r = 0; r < MR; ++r)
        for (int j = 0; j < 2; ++j) {
          const V g = acc[r][j];
          const V silu = S::div(g, S::add(S::set1(1.f), vexp<S>(S::sub(S::zero(), g))));
          store_part(t.h + r * t.ldh, j, S::mul(silu, acc[r][2 + j]), t.h_cols);
        }
      return;
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NV; ++j) {
      V v = acc[r][j];
      if (t.end == TileEnd::Store && t.bias != nullptr) v = S::add(v, load_part(t.bias, j, t.cols));
      store_part(t.c + r * t.ldc, j, v, t.cols);
    }
}

// ---- FMA probe ----------------------------------------------------------------------------
// 12 independent accumulator chains (enough to cover the FMA latency times the issue width of
// every core we meet) of two FMAs each per round; operands stay in registers.
inline double fma_loop(int64_t iterations) {
  V acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = S::set1(static_cast<float>(i) * 1e-3f);
  const V a = S::set1(0.999999f), b = S::set1(1e-7f);
  for (int64_t it = 0; it < iterations; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = S::fmadd(acc[i], a, b);
    for (int i = 0; i < 12; ++i) acc[i] = S::fmadd(acc[i], a, b);
  }
  V sum = acc[0];
  for (int i = 1; i < 12; ++i) sum = S::add(sum, acc[i]);
  volatile float sink = S::hsum(sum);  // keeps the loop
  (void)sink;
  return static_cast<double>(iterations) * 24 * W * 2;
}

// ---- table --------------------------------------------------------------------------------
constexpr bool fits(int mr, int p) { return mr * 2 * p + 2 * p + 1 <= CS_REGS; }

template <DType WT, int P, int MR>
constexpr MicroKernel pick() {
  if constexpr (MR >= 1 && MR <= 16 && fits(MR, P)) return &micro<WT, MR, P>;
  else return nullptr;
}

template <DType WT, int P, int... MRs>
constexpr void fill_row(MicroKernel* row, std::integer_sequence<int, MRs...>) {
  ((row[MRs] = pick<WT, P, MRs>()), ...);
}

inline GemmKernels make_table(int max_rows, int max_rows_p2, int max_rows_p4) {
  GemmKernels k{};
  k.nr = NR;
  k.max_rows = max_rows;
  k.max_rows_p2 = max_rows_p2;
  k.max_rows_p4 = max_rows_p4;
  k.fma_loop = &fma_loop;
  const auto mrs = std::make_integer_sequence<int, 17>{};
  fill_row<DType::F32, 1>(k.kernel[0][0], mrs);
  fill_row<DType::F32, 2>(k.kernel[0][1], mrs);
  fill_row<DType::F32, 4>(k.kernel[0][2], mrs);
  fill_row<DType::F16, 1>(k.kernel[1][0], mrs);
  fill_row<DType::F16, 2>(k.kernel[1][1], mrs);
  fill_row<DType::F16, 4>(k.kernel[1][2], mrs);
  fill_row<DType::BF16, 1>(k.kernel[2][0], mrs);
  fill_row<DType::BF16, 2>(k.kernel[2][1], mrs);
  fill_row<DType::BF16, 4>(k.kernel[2][2], mrs);
  return k;
}

}  // namespace CS_ISA_NS
}  // namespace chunkserve
