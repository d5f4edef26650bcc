// Run-time detection of the SIMD instruction sets the CPU kernels can use.
#pragma once

namespace chunkserve {

enum class SimdLevel { Portable = 0, Avx2 = 1, Avx512 = 2 };

// Best level this CPU supports, capped by CHUNKSERVE_SIMD=portable|avx2|avx512 when set
// (so tests can exercise every path on one machine).
SimdLevel simd_level();
const char* simd_level_name(SimdLevel level);

}  // namespace chunkserve
