#include "cuda/tpp_plan_buffer.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace chunkserve {

namespace {
size_t align16(size_t n) { return (n + 15) & ~size_t(15); }
}  // namespace

void TppPlanBuffer::upload(const TppDevicePlan& p) {
  off_sf_ = align16(p.chunk_first.size() * sizeof(TppPiece));
  off_refs_ = off_sf_ + align16(p.seq_first.size() * sizeof(TppPiece));
  off_merge_ = off_refs_ + align16(p.refs.size() * sizeof(TppChunkRef));
  off_qrow_ = off_merge_ + align16(p.merge_rows.size() * sizeof(int32_t));
  const size_t total = std::max<size_t>(off_qrow_ + align16(p.q_row.size() * sizeof(int32_t)), 16);
  std::vector<uint8_t> bytes(total, 0);
  auto put = [&](size_t off, const void* src, size_t n) {
    if (n) std::memcpy(bytes.data() + off, src, n);
  };
  put(0, p.chunk_first.data(), p.chunk_first.size() * sizeof(TppPiece));
  put(off_sf_, p.seq_first.data(), p.seq_first.size() * sizeof(TppPiece));
  put(off_refs_, p.refs.data(), p.refs.size() * sizeof(TppChunkRef));
  put(off_merge_, p.merge_rows.data(), p.merge_rows.size() * sizeof(int32_t));
  put(off_qrow_, p.q_row.data(), p.q_row.size() * sizeof(int32_t));
  buf_.reserve(total);
  buf_.upload(bytes.data(), total);
}

}  // namespace chunkserve
