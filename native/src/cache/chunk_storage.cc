#include "cache/chunk_storage.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "cache/kv_cache.h"
#include "common/available_memory.h"
#include "common/huge_pages.h"

namespace chunkserve {

HostChunkStorage::HostChunkStorage(const ChunkLayout& layout, size_t pool_bytes) : layout_(layout) {
  const size_t cb = layout_.chunk_bytes();
  const size_t n = cb == 0 ? 0 : pool_bytes / cb;
  capacity_ = static_cast<int32_t>(n > INT32_MAX ? INT32_MAX : n);
  if (capacity_ == 0) return;
  // Whole huge pages: the kernels stream GBs of K/V, and huge pages cut the TLB misses of reading
  // planes scattered over the pool.
  const size_t bytes = (static_cast<size_t>(capacity_) * cb + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  const size_t available = available_memory_bytes();
  if (available != 0 && bytes > available)
    throw CacheError("the KV pool (" + std::to_string(bytes >> 20) + " MiB) does not fit the memory available (" +
                     std::to_string(available >> 20) +
                     " MiB: MemAvailable, or what the cgroup's limit leaves); lower kvCacheBytes (KV_CACHE_BYTES)");
  base_ = static_cast<uint8_t*>(alloc_streamed(bytes));
  // The whole pool backed now, not page by page as chunks are first written: a prefill step that
  // stored 31 new sequences' first chunks spent 42-46 of its 770-800 ms on those page faults
  // (0.9 ms with the pool committed), and the pool's memory is really there when the engine
  // reports it ready.
  commit_pages(base_, bytes);
}

HostChunkStorage::~HostChunkStorage() { std::free(base_); }

void HostChunkStorage::copy_prefix(int32_t src, int32_t dst, int n_tokens) {
  if (n_tokens <= 0 || src == dst) return;
  const size_t row_bytes = static_cast<size_t>(layout_.head_dim) * layout_.elem_bytes();
  const size_t plane_bytes = layout_.plane_elems() * layout_.elem_bytes();
  const size_t n_planes = static_cast<size_t>(layout_.n_layers) * 2 * layout_.n_kv_heads;
  const uint8_t* s = host_chunk(src);
  uint8_t* d = host_chunk(dst);
  for (size_t p = 0; p < n_planes; ++p)  // each plane [chunk_size][head_dim]: copy its first rows
    std::memcpy(d + p * plane_bytes, s + p * plane_bytes, n_tokens * row_bytes);
}

}  // namespace chunkserve
