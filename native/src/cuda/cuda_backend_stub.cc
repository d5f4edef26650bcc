// CPU-only builds: the CUDA backend is reported as absent.
#ifndef CHUNKSERVE_WITH_CUDA
#include <stdexcept>

#include "cuda/cuda_backend.h"

namespace chunkserve {

std::unique_ptr<Backend> make_cuda_backend(const ModelConfig&) {
  throw std::runtime_error("this build has no CUDA backend (nvcc was not found at build time)");
}

KvCacheConfig cuda_kv_config(const KvCacheConfig&, const ModelConfig&) {
  throw std::runtime_error("this build has no CUDA backend (nvcc was not found at build time)");
}

}  // namespace chunkserve
#endif
