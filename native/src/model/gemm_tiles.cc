#include "model/gemm_tiles.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "model/gemm.h"

namespace chunkserve {

namespace {

// Fastest seconds of one gemm call with each tile choice, measured alternately so that a
// neighbour's load hits both alike; the minimum because interference only ever adds time (the
// median picked the slower tile in 1 of 16 starts on a shared 2-vCPU host). [0]: tall, [1]: wide.
std::vector<double> time_both(const GemmKernels& base) {
  constexpr int64_t kN = 512, kK = 1024, kT = 128;  // ~1 ms a call on one core
  constexpr int kRounds = 15;
  ThreadPool one(1);
  // any finite values: the time does not depend on them
  std::vector<float> w(static_cast<size_t>(kN * kK), 0.01f), x(static_cast<size_t>(kT * kK), 0.5f), y(static_cast<size_t>(kT * kN));
  const PackedMatrix pm = pack_matrix(WeightMatrix{w.data(), DType::F32, kN, kK}, base.nr, one);
  GemmJob job;
  job.w = &pm;
  job.y = y.data();
  job.ldy = kN;
  GemmKernels variant[2] = {base, base};
  variant[0].wide_tiles = false;
  variant[1].wide_tiles = true;
  std::vector<double> secs[2];
  for (int r = 0; r < kRounds + 1; ++r)
    for (int v = 0; v < 2; ++v) {
      const auto t0 = std::chrono::steady_clock::now();
      gemm(x.data(), kT, &job, 1, one, variant[v]);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r > 0) secs[v].push_back(s);  // round 0 warms the caches
    }
  return {*std::min_element(secs[0].begin(), secs[0].end()), *std::min_element(secs[1].begin(), secs[1].end())};
}

}  // namespace

GemmKernels choose_gemm_tiles(const GemmKernels& base, const char* mode) {
  GemmKernels k = base;
  const std::string m = mode == nullptr ? "" : mode;
  if (m == "tall" || m == "wide") {
    k.wide_tiles = m == "wide";
    k.tile_choice = k.wide_tiles ? "wide (CHUNKSERVE_GEMM_TILES)" : "tall (CHUNKSERVE_GEMM_TILES)";
    return k;
  }
  if (!m.empty() && m != "auto")
    throw std::invalid_argument("CHUNKSERVE_GEMM_TILES must be tall, wide or auto, not \"" + m + "\"");
  if (base.max_rows_p2 <= 0) return k;  // no P = 2 tile to choose
  const std::vector<double> s = time_both(base);
  k.wide_tiles = s[1] < s[0];
  k.tile_choice = k.wide_tiles ? "wide (measured)" : "tall (measured)";
  return k;
}

}  // namespace chunkserve
