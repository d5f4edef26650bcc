// The pool part of the TPP kernel's arguments (tpp_launch.h) for one layer, shared by the decoder
// and prefill. Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cmath>
#include <stdexcept>
#include <string>

#include "cuda/cuda_chunk_storage.h"
#include "cuda/tpp_launch.h"

namespace chunkserve {

// Throws std::invalid_argument for a layer outside the pool's layout.
inline TppKernelArgs tpp_pool_args(const CudaChunkStorage& pool, int layer, int n_heads) {
  const ChunkLayout& L = pool.layout();
  if (layer < 0 || layer >= L.n_layers)
    throw std::invalid_argument("CUDA attention: layer " + std::to_string(layer) + " out of range [0, " +
                                std::to_string(L.n_layers) + ")");
  TppKernelArgs a;
  a.pool = pool.device_base();
  a.chunk_elems = static_cast<int64_t>(L.chunk_elems());
  a.layer_offset = static_cast<int64_t>(L.plane_offset(layer, 0, 0));
  a.chunk_size = L.chunk_size;
  a.n_heads = n_heads;
  a.n_kv_heads = L.n_kv_heads;
  a.group = n_heads / L.n_kv_heads;
  a.scale_log2 = static_cast<float>(1.4426950408889634 / std::sqrt(static_cast<double>(L.head_dim)));
  return a;
}

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
