// A device allocation (bytes), freed on destruction, and the device-wide wait. Only compiled
// when nvcc exists (CHUNKSERVE_WITH_CUDA). Every CUDA error becomes a std::runtime_error naming
// the call.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstddef>

namespace chunkserve {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr, o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  // Grows (contents lost) to at least `bytes`.
  void reserve(size_t bytes);
  void upload(const void* host, size_t bytes, size_t offset = 0);
  void download(void* host, size_t bytes, size_t offset = 0) const;
  // Every byte of [0, bytes) set to `value` (0xff makes fp32 NaNs: poison before a launch).
  void fill_bytes(int value, size_t bytes);

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Waits for the device; throws std::runtime_error with the device's error, if any.
void cuda_synchronize(const char* what);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
