// Runs a TppDevicePlan on the host with the GPU kernel's arithmetic, so the plan (segments,
// pieces, partial rows, merges, run-time tail lengths, append slots) is tested on machines
// without a GPU. Not a CPU backend: plain loop nests, slow, for tests only.
//
// Arithmetic mirrored from tpp_kernels.cuh: q rounded to the storage type, scores in fp32 in
// log2 units, online softmax per 16-key tile, P rounded to the storage type before P V, exact
// merge of partial states. Only the order of fp32 additions differs from the device.
#pragma once
#include <cstdint>
#include <vector>

#include "cache/chunk_layout.h"
#include "cuda/tpp_device_plan.h"

namespace chunkserve {

// pool: host copy of the device pool [capacity][chunk bytes] in layout.dtype (fp16|bf16).
// q, out: [n_seqs][n_heads][head_dim] fp32 in batch order (plan.q_row maps DFS -> batch row).
void tpp_host_decode(const TppDevicePlan& plan, const ChunkLayout& layout, const uint16_t* pool, int layer,
                     int n_heads, const std::vector<int32_t>& seq_len, const float* q, float* out);

// Prefill plan (build_tpp_prefill_plan) with queries at positions [pos0, pos0 + n_q).
void tpp_host_prefill(const TppDevicePlan& plan, const ChunkLayout& layout, const uint16_t* pool, int layer,
                      int n_heads, int32_t pos0, const float* q, float* out);

// Decode append: writes k, v [n_seqs][n_kv_heads][head_dim] (batch order) at position
// seq_len - 1 of each sequence, as the append kernel does. Throws std::invalid_argument when a
// sequence has no own chunk for that position.
void tpp_host_append(const TppDevicePlan& plan, const ChunkLayout& layout, uint16_t* pool, int layer,
                     const std::vector<int32_t>& seq_len, const float* k, const float* v);


}  // namespace chunkserve
