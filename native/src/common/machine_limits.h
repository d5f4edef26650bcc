// What this machine can do, measured in the same run as a benchmark so each result can be read
// as a fraction of its limit: the FMA peak of the GEMM kernels' instruction set on every thread,
// and the memory copy and read bandwidth with every thread (over a buffer past the last-level
// cache).
#pragma once
#include <cstddef>

#include "common/thread_pool.h"

namespace chunkserve {

struct MachineLimits {
  int threads = 0;
  const char* simd = "";
  double fma_gflops = 0;         // fp32, all threads
  double copy_gbps = 0;          // memcpy, counting read + write (as memcpy bandwidth is quoted)
  double copy_one_way_gbps = 0;  // the same counting the bytes copied once
  double read_gbps = 0;          // streaming read
  double probed_bytes = 0;
};

// bytes: the buffer size for the bandwidth probes; iterations: best of that many rounds.
MachineLimits measure_machine_limits(ThreadPool& pool, size_t bytes, int iterations);

}  // namespace chunkserve
