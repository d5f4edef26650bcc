// Portable linear kernel and the run-time dispatcher.
#include "model/linear.h"

#include <algorithm>

#include "common/cpu_features.h"
#include "common/thread_pool.h"
#include "model/linear_tiling.h"

namespace chunkserve {
namespace {

template <DType WT>
struct PortableKernel {
  template <int RO, int RT>
  static void tile(const float* x, int64_t ldx, const char* w, int64_t ldw, int64_t cols, const float* bias,
                   float* y, int64_t ldy) {
    float acc[RO][RT] = {};  // [rows, tokens]
    for (int64_t i = 0; i < cols; ++i)
      for (int r = 0; r < RO; ++r) {
        const float wv = load_as_f32(w + r * ldw, WT, i);
        for (int t = 0; t < RT; ++t) acc[r][t] += wv * x[t * ldx + i];
      }
    for (int r = 0; r < RO; ++r)
      for (int t = 0; t < RT; ++t) y[t * ldy + r] = acc[r][t] + (bias ? bias[r] : 0.f);
  }
};

// Why 16 rows per task: enough work to amortise the pool's dispatch, small enough that two
// cores balance on the 256-row layers of tiny models.
constexpr int64_t kRowsPerTask = 16;

LinearRowsFn pick() {
  switch (simd_level()) {
    case SimdLevel::Avx512: return linear_rows_avx512;
    case SimdLevel::Avx2: return linear_rows_avx2;
    default: return linear_rows_portable;
  }
}

}  // namespace

void linear_rows_portable(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                          int64_t o_begin, int64_t o_end, float* y) {
  switch (w.dtype) {
    case DType::F32: return linear_rows_tiled<PortableKernel<DType::F32>>(x, n_tokens, w, bias, o_begin, o_end, y);
    case DType::F16: return linear_rows_tiled<PortableKernel<DType::F16>>(x, n_tokens, w, bias, o_begin, o_end, y);
    case DType::BF16: return linear_rows_tiled<PortableKernel<DType::BF16>>(x, n_tokens, w, bias, o_begin, o_end, y);
  }
}

void linear(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias, float* y) {
  static const LinearRowsFn rows_fn = pick();
  if (n_tokens <= 0) return;
  const int64_t n_tasks = (w.rows + kRowsPerTask - 1) / kRowsPerTask;
  ThreadPool::global().parallel_for(n_tasks, [&](int64_t task, int) {
    const int64_t o0 = task * kRowsPerTask, o1 = std::min(w.rows, o0 + kRowsPerTask);
    rows_fn(x, n_tokens, w, bias, o0, o1, y);
  });
}

}  // namespace chunkserve
