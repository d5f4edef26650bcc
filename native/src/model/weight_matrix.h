// A weight matrix as Hugging Face stores it: row-major [rows = out_features, cols = in_features],
// pointing straight into the memory-mapped checkpoint (no copy, no conversion). Backends take
// them from here once (the CPU backend repacks them for its GEMM: packed_matrix.h).
#pragma once
#include <cstdint>

#include "common/dtype.h"

namespace chunkserve {

struct WeightMatrix {
  const void* data = nullptr;
  DType dtype = DType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
};

}  // namespace chunkserve
