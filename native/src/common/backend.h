// Which compute backend the engine runs on: ENGINE_DEVICE=auto|cpu|cuda.
#pragma once
#include <string>

namespace chunkserve {

enum class Backend { Cpu, Cuda };

struct BackendChoice {
  Backend backend = Backend::Cpu;
  bool cuda_compiled = false;  // CUDA sources were built into this addon
  int cuda_devices = 0;        // devices the runtime can see (0 without a driver)
  std::string cuda_error;      // why CUDA is unusable, empty when it is usable
  std::string gpu_name;        // device 0's name when backend == Cuda
};

// Resolves "auto" (cuda when a device is usable, else cpu), "cpu" or "cuda".
// Throws std::invalid_argument for any other value and std::runtime_error when "cuda" is
// requested but no usable device exists (the message says why).
BackendChoice select_backend(const std::string& requested);

// Value of ENGINE_DEVICE, or "auto" when unset or empty.
std::string requested_device_from_env();

}  // namespace chunkserve
