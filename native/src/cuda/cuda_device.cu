#include <cuda_runtime.h>

#include "cuda/cuda_device.h"

namespace chunkserve {

bool cuda_compiled() { return true; }

int cuda_device_count(std::string* error) {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    if (error) *error = cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  if (n == 0 && error) *error = "no CUDA device found";
  return n;
}

std::string cuda_device_name(int device) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) return "unknown";
  return prop.name;
}

bool cuda_memory_info(size_t* used, size_t* total) {
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    cudaGetLastError();
    *used = *total = 0;
    return false;
  }
  *used = total_bytes - free_bytes;
  *total = total_bytes;
  return true;
}

}  // namespace chunkserve
