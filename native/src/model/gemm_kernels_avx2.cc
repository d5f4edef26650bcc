// AVX2 + FMA + F16C GEMM micro-kernels: 16 ymm registers, 16-wide panels; tiles of 6 x 1 and
// 2 x 2 panels.
#include "model/gemm_kernels.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <utility>

#include "common/simd_avx2.h"
#define CS_SIMD SimdAvx2
#define CS_ISA_NS gemm_avx2
#define CS_REGS 16
#include "model/gemm_kernels_impl.h"

namespace chunkserve {
const GemmKernels* gemm_kernels_avx2() {
  static const GemmKernels table = gemm_avx2::make_table(6, 2, 0);
  return &table;
}
}  // namespace chunkserve
#else
namespace chunkserve {
const GemmKernels* gemm_kernels_avx2() { return nullptr; }
}  // namespace chunkserve
#endif
