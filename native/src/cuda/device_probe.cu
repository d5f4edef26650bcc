#include "cuda/device_probe.h"

#include <algorithm>
#include <vector>

#include "cuda/cuda_error.h"
#include "cuda/device_buffer.h"

namespace chunkserve {

int cuda_multiprocessors() {
  int dev = 0, n = 0;
  cuda_check(cudaGetDevice(&dev), "cudaGetDevice");
  cuda_check(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev), "multiprocessor count");
  return n;
}

double cuda_copy_bandwidth(size_t bytes, int reps) {
  DeviceBuffer src(bytes), dst(bytes);  // [bytes] each
  cuda_check(cudaMemset(src.get(), 1, bytes), "memset");
  cudaEvent_t e0, e1;
  cuda_check(cudaEventCreate(&e0), "event");
  cuda_check(cudaEventCreate(&e1), "event");
  std::vector<float> ms;
  for (int r = 0; r < reps + 2; ++r) {  // two warm-ups
    cuda_check(cudaEventRecord(e0), "event record");
    cuda_check(cudaMemcpyAsync(dst.get(), src.get(), bytes, cudaMemcpyDeviceToDevice), "copy");
    cuda_check(cudaEventRecord(e1), "event record");
    cuda_check(cudaEventSynchronize(e1), "event sync");
    float t = 0.f;
    cuda_check(cudaEventElapsedTime(&t, e0, e1), "elapsed");
    if (r >= 2) ms.push_back(t);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  std::sort(ms.begin(), ms.end());
  return 2.0 * static_cast<double>(bytes) / (ms[ms.size() / 2] * 1e-3);
}

}  // namespace chunkserve
