// Portable GEMM micro-kernels (plain 8-float "vectors"; the compiler vectorises with SSE), and the
// run-time choice among the instruction sets.
#include <utility>

#include "common/simd_portable.h"
#include "model/gemm_kernels.h"
#define CS_SIMD SimdPortable
#define CS_ISA_NS gemm_portable
#define CS_REGS 16
#include "model/gemm_kernels_impl.h"

namespace chunkserve {

const GemmKernels* gemm_kernels_portable() {
  static const GemmKernels table = gemm_portable::make_table(6, 2, 0);
  return &table;
}

const GemmKernels& gemm_kernels_for(SimdLevel level) {
  const GemmKernels* k = nullptr;  // an ISA not compiled in falls back to the next one down
  if (level == SimdLevel::Avx512) k = gemm_kernels_avx512();
  if (k == nullptr && level >= SimdLevel::Avx2) k = gemm_kernels_avx2();
  return k != nullptr ? *k : *gemm_kernels_portable();
}

const GemmKernels& gemm_kernels() {
  static const GemmKernels& k = gemm_kernels_for(simd_level());
  return k;
}

}  // namespace chunkserve
