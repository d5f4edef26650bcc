// Portable GEMM micro-kernels (plain 8-float "vectors"; the compiler vectorises with SSE), and the
// run-time choice among the instruction sets.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "common/simd_portable.h"
#include "model/gemm_kernels.h"
#include "model/gemm_tiles.h"
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
  static const GemmKernels k = [] {
    const GemmKernels& base = gemm_kernels_for(simd_level());
    try {
      return choose_gemm_tiles(base, std::getenv("CHUNKSERVE_GEMM_TILES"));
    } catch (const std::invalid_argument& e) {  // a tuning knob never stops the engine: measure instead
      std::fprintf(stderr, "chunkserve: %s; measuring the tiles instead\n", e.what());
      GemmKernels k = choose_gemm_tiles(base, "auto");
      k.tile_choice = k.wide_tiles ? "wide (measured; CHUNKSERVE_GEMM_TILES ignored)" : "tall (measured; CHUNKSERVE_GEMM_TILES ignored)";
      return k;
    }
  }();
  return k;
}

}  // namespace chunkserve
