#include "common/cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace chunkserve {

static SimdLevel detect() {
  SimdLevel best = SimdLevel::Portable;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = SimdLevel::Avx2;
  if (best == SimdLevel::Avx2 && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    best = SimdLevel::Avx512;
#endif
  const char* cap = std::getenv("CHUNKSERVE_SIMD");
  if (cap != nullptr) {
    SimdLevel want = best;
    if (std::strcmp(cap, "portable") == 0) want = SimdLevel::Portable;
    if (std::strcmp(cap, "avx2") == 0) want = SimdLevel::Avx2;
    if (std::strcmp(cap, "avx512") == 0) want = SimdLevel::Avx512;
    if (want < best) best = want;
  }
  return best;
}

SimdLevel simd_level() {
  static const SimdLevel level = detect();
  return level;
}

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Avx2: return "avx2";
    default: return "portable";
  }
}

}  // namespace chunkserve
