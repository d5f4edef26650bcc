// A weight matrix repacked once, at load, for the GEMM (model/gemm.h): panels of `nr` output
// features, each panel [cols][nr] (the nr weights of one input feature side by side, so the
// kernel loads them as whole vectors and broadcasts one activation against them). Elements keep
// the checkpoint's dtype (fp16/bf16 stay 16-bit and are widened in registers: half the bytes to
// stream). Rows past `rows` in the last panel are zero.
//
//   element (row n, col k) lives in panel n / nr, at [k][n % nr]
//   panel p starts at data() + p * panel_bytes()              (64-byte aligned)
//
// pack_pairs interleaves two matrices of the same shape panel by panel (a0 b0 a1 b1 ...): the
// gate and up projections of SwiGLU, so one kernel call sees both halves of the same features.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/thread_pool.h"
#include "model/weight_matrix.h"

namespace chunkserve {

class PackedMatrix {
 public:
  PackedMatrix() = default;
  DType dtype() const { return dtype_; }
  int64_t rows() const { return rows_; }  // output features (N); for pairs, of each matrix
  int64_t cols() const { return cols_; }  // input features (K)
  int nr() const { return nr_; }
  int64_t n_panels() const { return n_panels_; }  // for pairs, 2 x ceil(rows / nr)
  size_t panel_bytes() const { return static_cast<size_t>(cols_) * nr_ * dtype_size(dtype_); }
  const uint8_t* panel(int64_t p) const { return data_.get() + static_cast<size_t>(p) * panel_bytes(); }
  size_t bytes() const { return static_cast<size_t>(n_panels_) * panel_bytes(); }

  // Throws std::invalid_argument for nr < 1 or mismatched pair shapes.
  friend PackedMatrix pack_matrix(const WeightMatrix& w, int nr, ThreadPool& pool);
  friend PackedMatrix pack_pairs(const WeightMatrix& a, const WeightMatrix& b, int nr, ThreadPool& pool);

 private:
  struct Free {
    void operator()(uint8_t* p) const;
  };
  DType dtype_ = DType::F32;
  int64_t rows_ = 0, cols_ = 0;
  int nr_ = 0;
  int64_t n_panels_ = 0;
  std::unique_ptr<uint8_t[], Free> data_;  // [n_panels][cols][nr] elements of dtype_
};

PackedMatrix pack_matrix(const WeightMatrix& w, int nr, ThreadPool& pool);
PackedMatrix pack_pairs(const WeightMatrix& a, const WeightMatrix& b, int nr, ThreadPool& pool);

}  // namespace chunkserve
