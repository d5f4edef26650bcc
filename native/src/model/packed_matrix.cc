#include "model/packed_matrix.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/huge_pages.h"

namespace chunkserve {

void PackedMatrix::Free::operator()(uint8_t* p) const { std::free(p); }

namespace {

// Copies the nr rows [p * nr, p * nr + nr) of w into one panel [cols][nr] (zeros past w.rows).
void pack_panel(const WeightMatrix& w, int64_t p, int nr, uint8_t* dst) {
  const size_t es = dtype_size(w.dtype);
  const auto* src = static_cast<const uint8_t*>(w.data);
  std::memset(dst, 0, static_cast<size_t>(w.cols) * nr * es);
  // Why row by row: each source row is contiguous, so it streams; the panel (cols x nr x 2-4
  // bytes, a few hundred KB) stays in cache while its nr rows are scattered into it.
  for (int j = 0; j < nr; ++j) {
    const int64_t row = p * nr + j;
    if (row >= w.rows) break;
    const uint8_t* s = src + static_cast<size_t>(row) * w.cols * es;
    for (int64_t k = 0; k < w.cols; ++k) std::memcpy(dst + (static_cast<size_t>(k) * nr + j) * es, s + k * es, es);
  }
}

// Huge pages: a decode step reads every panel once, front to back (alloc_streamed).
uint8_t* alloc_panels(size_t bytes) { return static_cast<uint8_t*>(alloc_streamed((bytes + 63) / 64 * 64)); }

}  // namespace

PackedMatrix pack_matrix(const WeightMatrix& w, int nr, ThreadPool& pool) {
  if (nr < 1) throw std::invalid_argument("pack_matrix: panel width must be >= 1");
  PackedMatrix m;
  m.dtype_ = w.dtype;
  m.rows_ = w.rows;
  m.cols_ = w.cols;
  m.nr_ = nr;
  m.n_panels_ = (w.rows + nr - 1) / nr;
  m.data_.reset(alloc_panels(m.bytes()));
  pool.parallel_for(m.n_panels_, [&](int64_t p, int) { pack_panel(w, p, nr, m.data_.get() + p * m.panel_bytes()); });
  return m;
}

PackedMatrix pack_pairs(const WeightMatrix& a, const WeightMatrix& b, int nr, ThreadPool& pool) {
  if (nr < 1) throw std::invalid_argument("pack_pairs: panel width must be >= 1");
  if (a.rows != b.rows || a.cols != b.cols || a.dtype != b.dtype)
    throw std::invalid_argument("pack_pairs: the two matrices differ in shape or dtype");
  PackedMatrix m;
  m.dtype_ = a.dtype;
  m.rows_ = a.rows;
  m.cols_ = a.cols;
  m.nr_ = nr;
  m.n_panels_ = 2 * ((a.rows + nr - 1) / nr);
  m.data_.reset(alloc_panels(m.bytes()));
  pool.parallel_for(m.n_panels_, [&](int64_t p, int) {
    pack_panel(p % 2 == 0 ? a : b, p / 2, nr, m.data_.get() + p * m.panel_bytes());
  });
  return m;
}

}  // namespace chunkserve
