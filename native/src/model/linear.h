// Linear layers: Y = X W^T (+ b), batched over every token of every running sequence so that
// each weight row is read from memory once per step however many sequences run.
#pragma once
#include <cstdint>

#include "common/dtype.h"
#include "common/thread_pool.h"

namespace chunkserve {

// A weight matrix as Hugging Face stores it: row-major [rows = out_features, cols = in_features],
// usually pointing straight into the memory-mapped checkpoint (no copy, no conversion).
struct WeightMatrix {
  const void* data = nullptr;
  DType dtype = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
};

// y: [n_tokens, w.rows] = x: [n_tokens, w.cols] · w^T (+ bias: [w.rows], may be null).
// Split over the pool's threads by output rows; SIMD level picked at run time (CHUNKSERVE_SIMD caps it).
void linear(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias, float* y, ThreadPool& pool);

// Several linear layers over the same input in one parallel pass (q, k, v): one barrier
// instead of three, and the input tile is reused across them.
struct LinearOut {
  const WeightMatrix* w;
  const float* bias;  // may be null
  float* y;           // [n_tokens, w->rows]
};
void linear_multi(const float* x, int64_t n_tokens, const LinearOut* outs, int n_outs, ThreadPool& pool);

// The SwiGLU MLP input, fused: h[t][i] = silu(x·w_gate[i]) * (x·w_up[i]) for h, up_scratch:
// [n_tokens, w_gate.rows]. Each task computes the same rows of gate and up and combines them
// while they are still in cache: one pass, one barrier, no separate activation sweep.
void linear_swiglu(const float* x, int64_t n_tokens, const WeightMatrix& w_gate, const WeightMatrix& w_up,
                   float* up_scratch, float* h, ThreadPool& pool);

// One thread's share: output rows [o_begin, o_end) for all tokens. Exposed per ISA so the
// dispatcher and tests can pick one.
using LinearRowsFn = void (*)(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                              int64_t o_begin, int64_t o_end, float* y);
void linear_rows_portable(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                          int64_t o_begin, int64_t o_end, float* y);
void linear_rows_avx2(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                      int64_t o_begin, int64_t o_end, float* y);
void linear_rows_avx512(const float* x, int64_t n_tokens, const WeightMatrix& w, const float* bias,
                        int64_t o_begin, int64_t o_end, float* y);

}  // namespace chunkserve
