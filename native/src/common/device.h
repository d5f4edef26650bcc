// Which kind of device the engine computes on, from the requested "auto" | "cpu" | "cuda"
// (ENGINE_DEVICE): the device chooses the backend (model/backend.h) that runs the model.
#pragma once
#include <string>

namespace chunkserve {

enum class DeviceKind { Cpu, Cuda };

struct DeviceChoice {
  DeviceKind kind = DeviceKind::Cpu;
  bool cuda_compiled = false;  // CUDA sources were built into this binary
  int cuda_devices = 0;        // devices the runtime can see (0 without a driver)
  std::string cuda_error;      // why CUDA is unusable, empty when it is usable
  std::string gpu_name;        // device 0's name when kind == Cuda
};

// Resolves "auto" (cuda when a device is usable, else cpu), "cpu" or "cuda".
// Throws std::invalid_argument for any other value and std::runtime_error when "cuda" is
// requested but no usable device exists (the message says why).
DeviceChoice select_device(const std::string& requested);

const char* device_kind_name(DeviceKind kind);  // "cpu" | "cuda"

}  // namespace chunkserve
