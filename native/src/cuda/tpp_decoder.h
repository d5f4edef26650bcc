// TPP decode attention on the GPU for one running batch: the paper's lazy context copy. The
// device plan (tpp_device_plan.h) is uploaded only when the work list's structure changes (a
// sequence added or removed, a new tail chunk); ordinary steps upload seq_len alone (n_seqs ints).
//
// Per running batch, every step:
//   work = plan.prepare(cache, seqs)        // the engine's DecodePlan, with decoder.policy(...)
//   decoder.prepare(work, layout, n_heads);
//   per layer: decoder.append_kv(pool, l, k, v); decoder.decode(pool, l, q, out);
// Only compiled with CUDA. Every CUDA error becomes a std::runtime_error naming the call; bad
// shapes std::invalid_argument.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstdint>
#include <vector>

#include "attention/decode_work_list.h"
#include "cuda/cuda_chunk_storage.h"
#include "cuda/tpp_device_plan.h"
#include "cuda/tpp_plan_buffer.h"

namespace chunkserve {

class CudaTppDecoder {
 public:
  // target_blocks: phase-1 blocks that fill the GPU; 0 = 2 x the device's multiprocessors.
  // On compute capability 9.x phase 2 is launched programmatically (PDL, tpp_kernels.cuh) unless
  // CHUNKSERVE_CUDA_PDL=0.
  explicit CudaTppDecoder(int target_blocks = 0);

  // How work lists for this decoder should group shared chunks (build_decode_work_list).
  SegmentPolicy policy(const ChunkLayout& layout, int n_heads) const {
    return cuda_segment_policy(layout, n_heads, target_blocks_);
  }

  // Returns true when it rebuilt and uploaded the plan (the work list's structure, the layout or
  // n_heads changed); otherwise it uploaded only seq_len. Validates lengths (check_step_lengths).
  bool prepare(const DecodeWorkList& work, const ChunkLayout& layout, int n_heads);
  const TppDevicePlan& plan() const { return plan_; }
  bool programmatic_launch() const { return programmatic_launch_; }
  void set_programmatic_launch(bool on) { programmatic_launch_ = on && pdl_supported_; }  // benchmark: time both
  uint64_t plan_uploads() const { return plan_uploads_; }

  // Writes this step's K/V at position seq_len - 1 of every sequence.
  // k, v: device [n_seqs][n_kv_heads][head_dim] fp32, batch order.
  void append_kv(const CudaChunkStorage& pool, int layer, const float* k, const float* v, void* stream = nullptr);
  // One layer of decode attention. q, out: device [n_seqs][n_heads][head_dim] fp32, batch order.
  // A work list built with a huge tpp_threshold has no segments: phase 2 alone reads every chunk
  // of every sequence (the PagedAttention-style baseline).
  void decode(const CudaChunkStorage& pool, int layer, const float* q, float* out, void* stream = nullptr);

 private:
  int target_blocks_;
  bool pdl_supported_ = false;  // compute capability >= 9
  bool programmatic_launch_ = false;
  TppDevicePlan plan_;
  DecodeWorkList key_;  // structure the plan was built from (seq_len ignored)
  ChunkLayout layout_;
  int n_heads_ = 0;
  bool planned_ = false;  // plan_ (built from key_) is on the device
  bool valid_ = false;    // ... and so are this step's lengths: append/decode may run
  uint64_t plan_uploads_ = 0;
  TppPlanBuffer plan_buf_;
  DeviceBuffer len_buf_;   // [n_seqs] seq_len, DFS order
  std::vector<int32_t> host_len_;  // the same on the host (append checks)
  DeviceBuffer part_o_;    // [n_partial_rows][n_heads][head_dim]
  DeviceBuffer part_ml_;   // [n_partial_rows][n_heads][2]
};

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
