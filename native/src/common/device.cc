#include "common/device.h"

#include <stdexcept>

#include "cuda/cuda_device.h"

namespace chunkserve {

DeviceChoice select_device(const std::string& requested) {
  if (requested != "auto" && requested != "cpu" && requested != "cuda")
    throw std::invalid_argument("ENGINE_DEVICE must be one of auto, cpu, cuda (got \"" + requested + "\")");

  DeviceChoice choice;
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
    choice.kind = DeviceKind::Cuda;
    choice.gpu_name = cuda_device_name(0);
  }
  return choice;
}

const char* device_kind_name(DeviceKind kind) { return kind == DeviceKind::Cuda ? "cuda" : "cpu"; }

}  // namespace chunkserve
