// AVX-512 GEMM micro-kernels (compiled with -mavx512f -mavx512bw -mavx512vl): 32 zmm registers,
// 32-wide panels; tiles of 12 rows x 1 panel, 6 x 2 and 2 x 4.
#include "model/gemm_kernels.h"

#if defined(__AVX512F__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <utility>

#include "common/simd_avx512.h"
#define CS_SIMD SimdAvx512
#define CS_ISA_NS gemm_avx512
#define CS_REGS 32
#include "model/gemm_kernels_impl.h"

namespace chunkserve {
const GemmKernels* gemm_kernels_avx512() {
  static const GemmKernels table = gemm_avx512::make_table(12, 6, 2);
  return &table;
}
}  // namespace chunkserve
#else
namespace chunkserve {
const GemmKernels* gemm_kernels_avx512() { return nullptr; }
}  // namespace chunkserve
#endif
