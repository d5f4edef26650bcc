#include "cuda/cuda_chunk_storage.h"

#include <climits>
#include <stdexcept>

#include "cuda/cuda_error.h"

namespace chunkserve {

CudaChunkStorage::CudaChunkStorage(const ChunkLayout& layout, size_t pool_bytes) : layout_(layout) {
  if (layout.dtype != DType::F16 && layout.dtype != DType::BF16)
    throw std::invalid_argument("CUDA chunk pool: storage dtype must be fp16 or bf16");
  if (layout.chunk_bytes() == 0 || pool_bytes < layout.chunk_bytes())
    throw std::invalid_argument("CUDA chunk pool: pool_bytes is smaller than one chunk");
  const size_t n = pool_bytes / layout.chunk_bytes();
  if (n > static_cast<size_t>(INT32_MAX)) throw std::invalid_argument("CUDA chunk pool: more than 2^31 chunks");
  capacity_ = static_cast<int32_t>(n);
  buf_.reserve(n * layout.chunk_bytes());
}

void CudaChunkStorage::copy_prefix(int32_t src, int32_t dst, int n_tokens) {
  if (src < 0 || src >= capacity_ || dst < 0 || dst >= capacity_ || n_tokens < 0 || n_tokens > layout_.chunk_size)
    throw std::invalid_argument("CUDA chunk pool: copy_prefix arguments out of range");
  if (n_tokens == 0 || src == dst) return;
  // Every (layer, K|V, head) plane: rows [0, n_tokens) -> one strided 2-D copy.
  const size_t plane_bytes = layout_.plane_elems() * layout_.elem_bytes();
  const size_t row_bytes = static_cast<size_t>(n_tokens) * layout_.head_dim * layout_.elem_bytes();
  uint8_t* base = static_cast<uint8_t*>(buf_.get());
  cuda_check(cudaMemcpy2D(base + dst * layout_.chunk_bytes(), plane_bytes, base + src * layout_.chunk_bytes(), plane_bytes,
                          row_bytes, static_cast<size_t>(layout_.n_layers) * 2 * layout_.n_kv_heads, cudaMemcpyDeviceToDevice),
             "copy_prefix");
}

void CudaChunkStorage::upload_chunks(int32_t first, int32_t n, const void* host) {
  if (first < 0 || n < 0 || first + static_cast<int64_t>(n) > capacity_)
    throw std::invalid_argument("CUDA chunk pool: upload_chunks range out of the pool");
  buf_.upload(host, static_cast<size_t>(n) * layout_.chunk_bytes(), static_cast<size_t>(first) * layout_.chunk_bytes());
}

void CudaChunkStorage::download_chunks(int32_t first, int32_t n, void* host) const {
  if (first < 0 || n < 0 || first + static_cast<int64_t>(n) > capacity_)
    throw std::invalid_argument("CUDA chunk pool: download_chunks range out of the pool");
  buf_.download(host, static_cast<size_t>(n) * layout_.chunk_bytes(), static_cast<size_t>(first) * layout_.chunk_bytes());
}

}  // namespace chunkserve
