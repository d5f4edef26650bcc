// Facts about the GPU that planning and benchmarks need. Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstddef>

namespace chunkserve {

// Multiprocessors of the current device (phase-1 pieces are sized to fill them).
int cuda_multiprocessors();
// Device-to-device copy bandwidth: copies `bytes` `reps` times and returns bytes read + written
// per second (median of reps, after two warm-ups).
double cuda_copy_bandwidth(size_t bytes, int reps);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
