// Where the bytes of the chunk pool live. The prefix tree (KvCache) refers to chunks only by
// index in [0, capacity()); this interface owns the bytes. HostChunkStorage keeps them in host
// memory (the CPU kernels read them directly); a CUDA backend implements the same interface over
// one device allocation with the same ChunkLayout.
#pragma once
#include <cstdint>
#include <memory>

#include "cache/chunk_layout.h"

namespace chunkserve {

class ChunkStorage {
 public:
  virtual ~ChunkStorage() = default;

  virtual const ChunkLayout& layout() const = 0;
  // Number of chunks in the pool (fixed at construction).
  virtual int32_t capacity() const = 0;
  // Base address of chunk `idx` in host memory, or nullptr when the bytes are not host-visible
  // (device memory). Chunk idx starts at host_base() + idx * layout().chunk_bytes().
  virtual uint8_t* host_chunk(int32_t idx) = 0;
  // Copies token slots [0, n_tokens) of every plane of chunk src into chunk dst (used to reuse a
  // partially matching chunk and to give a forked sequence its own copy of the tail).
  virtual void copy_prefix(int32_t src, int32_t dst, int n_tokens) = 0;
};

// The pool in host memory: capacity = pool_bytes / chunk_bytes chunks, 64-byte aligned, on huge
// pages where granted, and backed by physical memory from construction on (commit_pages).
class HostChunkStorage final : public ChunkStorage {
 public:
  HostChunkStorage(const ChunkLayout& layout, size_t pool_bytes);
  ~HostChunkStorage() override;

  const ChunkLayout& layout() const override { return layout_; }
  int32_t capacity() const override { return capacity_; }
  uint8_t* host_chunk(int32_t idx) override { return base_ + static_cast<size_t>(idx) * layout_.chunk_bytes(); }
  void copy_prefix(int32_t src, int32_t dst, int n_tokens) override;

 private:
  ChunkLayout layout_;
  int32_t capacity_ = 0;
  uint8_t* base_ = nullptr;  // [capacity][chunk_bytes]
};

}  // namespace chunkserve
