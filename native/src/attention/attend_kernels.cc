#include "attention/attend_kernels.h"

namespace chunkserve {

bool head_dim_supported(int hd) { return hd == 64 || hd == 80 || hd == 96 || hd == 128 || hd == 256; }

const AttendKernels* attend_kernels_for(SimdLevel level, int head_dim, DType dtype) {
  if (!head_dim_supported(head_dim)) return nullptr;
  const AttendKernels* k = nullptr;  // an ISA not compiled in falls back to the next one down
  if (level == SimdLevel::Avx512) k = attend_kernels_avx512(head_dim, dtype);
  if (k == nullptr && level >= SimdLevel::Avx2) k = attend_kernels_avx2(head_dim, dtype);
  return k != nullptr ? k : attend_kernels_portable(head_dim, dtype);
}

const AttendKernels* attend_kernels(int head_dim, DType dtype) {
  return attend_kernels_for(simd_level(), head_dim, dtype);
}

}  // namespace chunkserve
