#include "cuda/device_buffer.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "cuda/cuda_error.h"

namespace chunkserve {

DeviceBuffer::DeviceBuffer(size_t bytes) { reserve(bytes); }

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFree(ptr_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = o.ptr_;
    bytes_ = o.bytes_;
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

void DeviceBuffer::reserve(size_t bytes) {
  if (bytes <= bytes_ && ptr_) return;
  if (ptr_) cudaFree(ptr_);
  ptr_ = nullptr;
  bytes_ = 0;
  cudaError_t err = cudaMalloc(&ptr_, std::max<size_t>(bytes, 16));
  if (err != cudaSuccess) {
    ptr_ = nullptr;
    cuda_check(err, ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str());
  }
  bytes_ = bytes;
}

void DeviceBuffer::upload(const void* host, size_t bytes, size_t offset) {
  if (offset + bytes > bytes_) throw std::invalid_argument("DeviceBuffer::upload past the end of the buffer");
  if (bytes) cuda_check(cudaMemcpy(static_cast<uint8_t*>(ptr_) + offset, host, bytes, cudaMemcpyHostToDevice), "upload");
}

void DeviceBuffer::download(void* host, size_t bytes, size_t offset) const {
  if (offset + bytes > bytes_) throw std::invalid_argument("DeviceBuffer::download past the end of the buffer");
  if (bytes)
    cuda_check(cudaMemcpy(host, static_cast<const uint8_t*>(ptr_) + offset, bytes, cudaMemcpyDeviceToHost), "download");
}

void DeviceBuffer::fill_bytes(int value, size_t bytes) {
  if (bytes > bytes_) throw std::invalid_argument("DeviceBuffer::fill_bytes past the end of the buffer");
  if (bytes) cuda_check(cudaMemset(ptr_, value, bytes), "memset");
}

void cuda_synchronize(const char* what) { cuda_check(cudaDeviceSynchronize(), what); }

}  // namespace chunkserve
