// Prefill attention on the device for one sequence: its new tokens attend causally over the
// cached prefix and themselves, reading the device chunk pool through a one-piece plan
// (build_tpp_prefill_plan). Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstdint>
#include <vector>

#include "cuda/cuda_chunk_storage.h"

namespace chunkserve {

// Stores k, v [n_q][n_kv_heads][head_dim] (device fp32) at positions [pos0, pos0 + n_q) of `path`
// (the sequence's chunks, root to tail), then attends causally. q, out: device
// [n_q][n_heads][head_dim] fp32. k and v may both be null to attend over stored K/V only.
// Returns once the device finished (the plan buffer is freed on return).
void cuda_prefill(const CudaChunkStorage& pool, const std::vector<int32_t>& path, int layer, int n_heads,
                  int32_t pos0, int32_t n_q, const float* q, const float* k, const float* v, float* out,
                  void* stream = nullptr);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
