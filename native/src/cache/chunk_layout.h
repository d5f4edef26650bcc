// Byte layout of one KV chunk, shared by every storage backend (host memory, CUDA device memory).
//
// One chunk holds K and V of chunk_size consecutive tokens for every layer and KV head:
//   chunk bytes = [n_layers][2][n_kv_heads][chunk_size][head_dim]   (index 0 = K, 1 = V)
// so that one (layer, K|V, head) "plane" [chunk_size][head_dim] is contiguous: a kernel reads a
// chunk's keys for one head as one block of chunk_size * head_dim elements.
#pragma once
#include <cstddef>

#include "common/dtype.h"

namespace chunkserve {

struct ChunkLayout {
  int n_layers = 1;
  int n_kv_heads = 1;
  int head_dim = 128;
  int chunk_size = 64;
  DType dtype = DType::F32;

  size_t elem_bytes() const { return dtype_size(dtype); }
  // Elements in one plane [chunk_size][head_dim].
  size_t plane_elems() const { return static_cast<size_t>(chunk_size) * head_dim; }
  size_t chunk_elems() const { return plane_elems() * 2 * n_kv_heads * n_layers; }
  size_t chunk_bytes() const { return chunk_elems() * elem_bytes(); }
  // Element offset of plane (layer, kv: 0 = K / 1 = V, head) inside a chunk.
  size_t plane_offset(int layer, int kv, int head) const {
    return ((static_cast<size_t>(layer) * 2 + kv) * n_kv_heads + head) * plane_elems();
  }
  // Element offset of token slot `slot` of that plane.
  size_t row_offset(int layer, int kv, int head, int slot) const {
    return plane_offset(layer, kv, head) + static_cast<size_t>(slot) * head_dim;
  }
};

}  // namespace chunkserve
