// AVX2 + FMA linear kernel: 8 floats per register, weights widened from fp16 (F16C) / bf16 on load.
#include <immintrin.h>

#include "model/linear_tiling.h"

namespace chunkserve {
namespace {

template <DType WT>
inline __m256 load_w8(const char* row, int64_t i) {
  if constexpr (WT == DType::F32) {
    return _mm256_loadu_ps(reinterpret_cast<const float*>(row) + i);
  } else {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(row) + i));
    if constexpr (WT == DType::F16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <DType WT>
struct Avx2Kernel {
  template <int RO, int RT>
  static void tile(const float* x, int64_t ldx, const char* w, int64_t ldw, int64_t cols, const float* bias,
                   float* y, int64_t ldy) {
    __m256 acc[RO][RT];  // [rows, tokens] partial dot products, 8 lanes each
    for (int r = 0; r < RO; ++r)
      for (int t = 0; t < RT; ++t) acc[r][t] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= cols; i += 8) {
      __m256 xv[RT];
      for (int t = 0; t < RT; ++t) xv[t] = _mm256_loadu_ps(x + t * ldx + i);
      for (int r = 0; r < RO; ++r) {
        const __m256 wv = load_w8<WT>(w + r * ldw, i);
        for (int t = 0; t < RT; ++t) acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
      }
    }
    for (int r = 0; r < RO; ++r)
      for (int t = 0; t < RT; ++t) {
        float s = hsum(acc[r][t]);
        for (int64_t j = i; j < cols; ++j) s += load_float(WT, w + r * ldw, j) * x[t * ldx + j];
        y[t * ldy + r] = s + (bias ? bias[r] : 0.f);
      }
  }
};

}  // namespace

void linear_rows_avx2(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                      int64_t o_begin, int64_t o_end, float* y) {
  switch (w.dtype) {
    case DType::F32: return linear_rows_tiled<Avx2Kernel<DType::F32>>(x, n_tokens, w, bias, o_begin, o_end, y);
    case DType::F16: return linear_rows_tiled<Avx2Kernel<DType::F16>>(x, n_tokens, w, bias, o_begin, o_end, y);
    case DType::BF16: return linear_rows_tiled<Avx2Kernel<DType::BF16>>(x, n_tokens, w, bias, o_begin, o_end, y);
  }
}

}  // namespace chunkserve
