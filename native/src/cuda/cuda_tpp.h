// The CUDA backend of the engine: the chunk pool in device memory and TPP attention on the GPU.
// Only compiled when nvcc exists (CHUNKSERVE_WITH_CUDA); callers guard with that macro and
// select_backend() (common/backend.h). The prefix tree and all bookkeeping stay on the host
// (KvCache); the device sees the pool and the flat work lists (tpp_device_plan.h).
//
// Per running batch, every step:
//   decoder.prepare(work, layout, n_heads);   // re-plans + uploads only when the tree changed,
//                                             // else uploads seq_len alone (n_seqs ints)
//   per layer: decoder.append_kv(pool, l, k, v); decoder.decode(pool, l, q, out);
// Every CUDA error becomes a std::runtime_error naming the call; bad shapes std::invalid_argument.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "attention/decode_work_list.h"
#include "cache/chunk_storage.h"
#include "cuda/tpp_device_plan.h"

namespace chunkserve {

// A device allocation (bytes), freed on destruction. Move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) { o.ptr_ = nullptr, o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return ptr_; }
  size_t bytes() const { return bytes_; }
  // Grows (contents lost) to at least `bytes`.
  void reserve(size_t bytes);
  void upload(const void* host, size_t bytes, size_t offset = 0);
  void download(void* host, size_t bytes, size_t offset = 0) const;
  // Every byte of [0, bytes) set to `value` (0xff makes fp32 NaNs: poison before a launch).
  void fill_bytes(int value, size_t bytes);

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// The chunk pool in device memory: capacity = pool_bytes / chunk_bytes chunks in one allocation,
// chunk i at device_base() + i * chunk_bytes, layout cache/chunk_layout.h. Storage dtype must be
// fp16 or bf16. Throws std::runtime_error when the device cannot hold it.
class CudaChunkStorage final : public ChunkStorage {
 public:
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

// Device-side work lists and scratch of one running batch.
class CudaTppDecoder {
 public:
  // target_blocks: phase-1 blocks that fill the GPU; 0 = 2 x the device's multiprocessors.
  // On compute capability 9.x phase 2 is launched programmatically (PDL, tpp_kernels.cuh) unless
  // CHUNKSERVE_CUDA_PDL=0.
  explicit CudaTppDecoder(int target_blocks = 0);
  ~CudaTppDecoder();

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
  // A work list built with a huge tpp_threshold has no shared chunks: phase 2 alone reads every
  // chunk of every sequence (the PagedAttention-style baseline).
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
  DeviceBuffer plan_buf_;  // pieces | refs | merge_rows | q_row
  DeviceBuffer len_buf_;   // [n_seqs] seq_len, DFS order
  std::vector<int32_t> host_len_;  // the same on the host (append checks)
  DeviceBuffer part_o_;    // [n_partial_rows][n_heads][head_dim]
  DeviceBuffer part_ml_;   // [n_partial_rows][n_heads][2]
  size_t off_cf_ = 0, off_sf_ = 0, off_refs_ = 0, off_merge_ = 0, off_qrow_ = 0;
};

// Prefill of one sequence on the device: stores k, v [n_q][n_kv_heads][head_dim] (device fp32)
// at positions [pos0, pos0 + n_q) of `path` (its chunks, root to tail), then attends causally.
// q, out: device [n_q][n_heads][head_dim] fp32. k/v may be null to attend over stored K/V only.
void cuda_prefill(const CudaChunkStorage& pool, const std::vector<int32_t>& path, int layer, int n_heads,
                  int32_t pos0, int32_t n_q, const float* q, const float* k, const float* v, float* out,
                  void* stream = nullptr);

// Multiprocessors of device 0 (for planning), and a device-to-device copy bandwidth probe:
// copies `bytes` `reps` times and returns bytes read + written per second (median of reps).
int cuda_multiprocessors();
double cuda_copy_bandwidth(size_t bytes, int reps);

// Waits for the device; throws std::runtime_error with the device's error, if any.
void cuda_synchronize(const char* what);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
