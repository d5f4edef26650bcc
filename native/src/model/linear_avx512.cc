// AVX-512 linear kernel: 16 floats per register, weights widened from fp16/bf16 on load.
// GCC 12's own avx512fintrin.h (_mm512_reduce_add_ps) trips these warnings; they are not ours.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "model/linear_tiling.h"

namespace chunkserve {
namespace {

template <DType WT>
inline __m512 load_w(const char* row, int64_t i, __mmask16 m) {
  if constexpr (WT == DType::F32) {
    return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + i);
  } else {
    __m256i h = _mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + i);
    if constexpr (WT == DType::F16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <DType WT>
struct Avx512Kernel {
  template <int RO, int RT>
  static void tile(const float* x, int64_t ldx, const char* w, int64_t ldw, int64_t cols, const float* bias,
                   float* y, int64_t ldy) {
    __m512 acc[RO][RT];  // [rows, tokens] partial dot products, 16 lanes each
    for (int r = 0; r < RO; ++r)
      for (int t = 0; t < RT; ++t) acc[r][t] = _mm512_setzero_ps();
    auto step = [&](int64_t i, __mmask16 m) {
      __m512 xv[RT];
      for (int t = 0; t < RT; ++t) xv[t] = _mm512_maskz_loadu_ps(m, x + t * ldx + i);
      for (int r = 0; r < RO; ++r) {
        const __m512 wv = load_w<WT>(w + r * ldw, i, m);
        for (int t = 0; t < RT; ++t) acc[r][t] = _mm512_fmadd_ps(wv, xv[t], acc[r][t]);
      }
    };
    int64_t i = 0;
    for (; i + 16 <= cols; i += 16) step(i, __mmask16(0xffff));
    if (i < cols) step(i, __mmask16((1u << (cols - i)) - 1));  // masked tail
    for (int r = 0; r < RO; ++r)
      for (int t = 0; t < RT; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]) + (bias ? bias[r] : 0.f);
  }
};

}  // namespace

void linear_rows_avx512(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                        int64_t o_begin, int64_t o_end, float* y) {
  switch (w.dtype) {
    case DType::F32: return linear_rows_tiled<Avx512Kernel<DType::F32>>(x, n_tokens, w, bias, o_begin, o_end, y);
    case DType::F16: return linear_rows_tiled<Avx512Kernel<DType::F16>>(x, n_tokens, w, bias, o_begin, o_end, y);
    case DType::BF16: return linear_rows_tiled<Avx512Kernel<DType::BF16>>(x, n_tokens, w, bias, o_begin, o_end, y);
  }
}

}  // namespace chunkserve
