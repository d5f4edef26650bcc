#include "common/machine_limits.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "common/cpu_features.h"
#include "model/gemm_kernels.h"

namespace chunkserve {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// FMA: every thread runs the kernels' register-only loop for about 25 ms and times itself; the
// rate of a round is the sum of the threads' own rates (a thread that another job delays for a
// moment lowers only its own figure, not the others'), and the probe is the best of many rounds,
// because on a shared machine a single round is easily disturbed.
double fma_gflops(ThreadPool& pool, int iterations) {
  const GemmKernels& k = gemm_kernels();
  const int64_t rounds = 2'000'000;
  double best = 0;
  for (int it = 0; it < std::max(iterations, 10); ++it) {
    std::vector<double> rate(pool.size(), 0.0);  // [threads] GFLOP/s of each thread
    std::atomic<int> started{0};
    pool.parallel_for(pool.size(), [&](int64_t i, int) {
      // Wait until every thread holds a task, so the loops run side by side (never one thread
      // running two tasks in turn, which would count as twice the rate).
      started.fetch_add(1);
      while (started.load() < pool.size()) std::this_thread::yield();
      const auto t0 = Clock::now();
      const double flops = k.fma_loop(rounds);
      rate[i] = flops / seconds_since(t0) / 1e9;
    });
    double total = 0;
    for (double r : rate) total += r;
    best = std::max(best, total);
  }
  return best;
}

}  // namespace

MachineLimits measure_machine_limits(ThreadPool& pool, size_t bytes, int iterations) {
  MachineLimits m;
  m.threads = pool.size();
  m.simd = simd_level_name(simd_level());
  m.fma_gflops = fma_gflops(pool, iterations);
  const int parts = pool.size() * 8;
  const size_t part = bytes / parts / 64 * 64;
  std::vector<uint8_t> src(part * parts, 1), dst(part * parts, 0);  // touched so the pages exist
  std::vector<double> sums(parts);
  double best_copy = 1e30, best_read = 1e30;
  for (int it = 0; it < iterations; ++it) {
    auto t0 = Clock::now();
    pool.parallel_for(parts, [&](int64_t i, int) { std::memcpy(dst.data() + i * part, src.data() + i * part, part); });
    best_copy = std::min(best_copy, seconds_since(t0));
    t0 = Clock::now();
    pool.parallel_for(parts, [&](int64_t i, int) {
      const float* p = reinterpret_cast<const float*>(src.data() + i * part);  // [part / 4]
      float a0 = 0, a1 = 0, a2 = 0, a3 = 0;  // four chains so the loop is load-bound, not add-bound
      for (size_t j = 0; j + 4 <= part / 4; j += 4) {
        a0 += p[j];
        a1 += p[j + 1];
        a2 += p[j + 2];
        a3 += p[j + 3];
      }
      sums[i] = a0 + a1 + a2 + a3;
    });
    best_read = std::min(best_read, seconds_since(t0));
  }
  m.probed_bytes = static_cast<double>(part) * parts + sums[0] * 0;
  m.copy_gbps = 2 * m.probed_bytes / best_copy / 1e9;
  m.copy_one_way_gbps = m.probed_bytes / best_copy / 1e9;
  m.read_gbps = m.probed_bytes / best_read / 1e9;
  return m;
}

}  // namespace chunkserve
