// A TppDevicePlan on the device: its arrays packed into one buffer, uploaded in one copy,
//   [chunk_first | seq_first | refs | merge_rows | q_row]   (each part 16-byte aligned)
// with typed device pointers to each part for the kernel arguments. Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstddef>
#include <cstdint>

#include "cuda/device_buffer.h"
#include "cuda/tpp_device_plan.h"

namespace chunkserve {

class TppPlanBuffer {
 public:
  // Grows the buffer as needed and copies the plan into it (synchronously).
  void upload(const TppDevicePlan& plan);

  const TppPiece* chunk_first() const { return at<TppPiece>(0); }     // [chunk_first.size()]
  const TppPiece* seq_first() const { return at<TppPiece>(off_sf_); }  // [n_seqs]
  const TppChunkRef* refs() const { return at<TppChunkRef>(off_refs_); }
  const int32_t* merge_rows() const { return at<int32_t>(off_merge_); }
  const int32_t* q_row() const { return at<int32_t>(off_qrow_); }     // [n_seqs]

 private:
  template <class T>
  const T* at(size_t offset) const {
    return reinterpret_cast<const T*>(static_cast<const uint8_t*>(buf_.get()) + offset);
  }
  DeviceBuffer buf_;
  size_t off_sf_ = 0, off_refs_ = 0, off_merge_ = 0, off_qrow_ = 0;
};

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
