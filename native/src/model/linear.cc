// Portable linear kernel and the run-time dispatcher.
#include "model/linear.h"

#include <algorithm>
#include <cmath>
#include <vector>

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
        const float wv = load_float(WT, w + r * ldw, i);
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

static LinearRowsFn rows_fn() {
  static const LinearRowsFn fn = pick();
  return fn;
}

void linear(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias, float* y, ThreadPool& pool) {
  const LinearOut out{&w, bias, y};
  linear_multi(x, n_tokens, &out, 1, pool);
}

void linear_multi(const float* x, int64_t n_tokens, const LinearOut* outs, int n_outs, ThreadPool& pool) {
  if (n_tokens <= 0) return;
  std::vector<int64_t> first_task(n_outs + 1, 0);  // [n_outs + 1] prefix sum of tasks per matrix
  for (int m = 0; m < n_outs; ++m)
    first_task[m + 1] = first_task[m] + (outs[m].w->rows + kRowsPerTask - 1) / kRowsPerTask;
  const LinearRowsFn fn = rows_fn();
  pool.parallel_for(first_task[n_outs], [&](int64_t task, int) {
    const int m = static_cast<int>(std::upper_bound(first_task.begin(), first_task.end(), task) - first_task.begin()) - 1;
    const LinearOut& o = outs[m];
    const int64_t o0 = (task - first_task[m]) * kRowsPerTask, o1 = std::min(o.w->rows, o0 + kRowsPerTask);
    fn(x, n_tokens, *o.w, o.bias, o0, o1, o.y);
  });
}

void linear_swiglu(const float* x, int64_t n_tokens, const WeightMatrix& w_gate, const WeightMatrix& w_up,
                   float* up_scratch, float* h, ThreadPool& pool) {
  if (n_tokens <= 0) return;
  const int64_t F = w_gate.rows;
  const LinearRowsFn fn = rows_fn();
  pool.parallel_for((F + kRowsPerTask - 1) / kRowsPerTask, [&](int64_t task, int) {
    const int64_t o0 = task * kRowsPerTask, o1 = std::min(F, o0 + kRowsPerTask);
    fn(x, n_tokens, w_gate, nullptr, o0, o1, h);
    fn(x, n_tokens, w_up, nullptr, o0, o1, up_scratch);
    for (int64_t t = 0; t < n_tokens; ++t)
      for (int64_t i = o0; i < o1; ++i) {
        const float g = h[t * F + i];
        h[t * F + i] = g / (1.f + std::exp(-g)) * up_scratch[t * F + i];
      }
  });
}

}  // namespace chunkserve
