// Host-side queries of the CUDA runtime. Implemented in cuda_device.cu when the CUDA backend is
// compiled, and by cuda_device_stub.cc otherwise, so callers need no #ifdef.
#pragma once
#include <cstddef>
#include <string>

namespace chunkserve {

bool cuda_compiled();
// Number of usable devices; on failure returns 0 and writes the runtime's message to *error.
int cuda_device_count(std::string* error);
std::string cuda_device_name(int device);
// Device memory of the current device in use (by every process) and in total, in bytes; false
// (and zeros) when no device is usable.
bool cuda_memory_info(size_t* used, size_t* total);

}  // namespace chunkserve
