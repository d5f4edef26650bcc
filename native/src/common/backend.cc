#include "common/backend.h"

#include <cstdlib>
#include <stdexcept>

#include "cuda/cuda_device.h"

namespace chunkserve {

std::string requested_device_from_env() {
  const char* v = std::getenv("ENGINE_DEVICE");
  return (v == nullptr || *v == '\0') ? "auto" : std::string(v);
}

BackendChoice select_backend(const std::string& requested) {
  if (requested != "auto" && requested != "cpu" && requested != "cuda")
    throw std::invalid_argument("ENGINE_DEVICE must be one of auto, cpu, cuda (got \"" + requested + "\")");

  BackendChoice choice;
  choice.cuda_compiled = cuda_compiled();
  if (choice.cuda_compiled) {
    choice.cuda_devices = cuda_device_count(&choice.cuda_error);
  } else {
    choice.cuda_error = "this build has no CUDA backend (nvcc was not found at build time)";
  }
  const bool usable = choice.cuda_devices > 0;

  if (requested == "cuda" && !usable)
    throw std::runtime_error("ENGINE_DEVICE=cuda but no usable CUDA device: " + choice.cuda_error);
  if (requested == "cuda" || (requested == "auto" && usable)) {
    choice.backend = Backend::Cuda;
    choice.gpu_name = cuda_device_name(0);
  }
  return choice;
}

}  // namespace chunkserve
