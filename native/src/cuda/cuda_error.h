// CUDA runtime errors as exceptions, for the host code of the .cu files: every failed call
// becomes a std::runtime_error naming it (bad shapes are std::invalid_argument at the callers).
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace chunkserve {

inline void cuda_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(err));
  }
}

// Streams cross our headers as void* (no CUDA types outside the .cu files).
inline cudaStream_t as_stream(void* s) { return static_cast<cudaStream_t>(s); }

}  // namespace chunkserve
