// The chunk pool in device memory: capacity = pool_bytes / chunk_bytes chunks in one allocation,
// chunk i at device_base() + i * chunk_bytes, layout cache/chunk_layout.h. The prefix tree and
// all bookkeeping stay on the host (KvCache); the kernels see this pool and the flat work lists.
// Storage dtype must be fp16 or bf16 (tensor cores). Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstdint>

#include "cache/chunk_storage.h"
#include "cuda/device_buffer.h"

namespace chunkserve {

class CudaChunkStorage final : public ChunkStorage {
 public:
  // Throws std::invalid_argument for an fp32 layout or a pool smaller than one chunk, and
  // std::runtime_error when the device cannot hold it.
  CudaChunkStorage(const ChunkLayout& layout, size_t pool_bytes);

  const ChunkLayout& layout() const override { return layout_; }
  int32_t capacity() const override { return capacity_; }
  uint8_t* host_chunk(int32_t) override { return nullptr; }  // device memory
  void copy_prefix(int32_t src, int32_t dst, int n_tokens) override;

  void* device_base() const { return buf_.get(); }
  // Whole chunks [first, first + n) from / to host bytes in the storage dtype.
  void upload_chunks(int32_t first, int32_t n, const void* host);
  void download_chunks(int32_t first, int32_t n, void* host) const;

 private:
  ChunkLayout layout_;
  int32_t capacity_ = 0;
  DeviceBuffer buf_;  // [capacity][chunk_bytes]
};

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
