// CPU-only builds: CUDA is reported as absent.
#ifndef CHUNKSERVE_WITH_CUDA
#include "cuda/cuda_device.h"

namespace chunkserve {

bool cuda_compiled() { return false; }
int cuda_device_count(std::string* error) {
  if (error) *error = "CUDA backend not compiled";
  return 0;
}
std::string cuda_device_name(int) { return ""; }
bool cuda_memory_info(size_t* used, size_t* total) {
  *used = *total = 0;
  return false;
}

}  // namespace chunkserve
#endif
