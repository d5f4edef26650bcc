#include "common/huge_pages.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace chunkserve {

void* alloc_streamed(size_t bytes) {
  const size_t align = bytes >= kHugePageBytes ? kHugePageBytes : 64;
  void* p = nullptr;
  if (posix_memalign(&p, align, bytes == 0 ? 64 : bytes) != 0) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const size_t whole = bytes / kHugePageBytes * kHugePageBytes;  // p is huge-aligned when whole > 0
  if (whole > 0) madvise(p, whole, MADV_HUGEPAGE);
#endif
  return p;
}

void commit_pages(void* p, size_t bytes) {
  constexpr size_t kPage = 4096, kSlice = size_t(64) << 20;  // a thread per 64 MiB at least
  auto* base = static_cast<volatile uint8_t*>(p);
  const auto touch = [base](size_t from, size_t to) {
    for (size_t o = from; o < to; o += kPage) base[o] = 0;
  };
  const size_t hw = std::max(1u, std::thread::hardware_concurrency());
  const size_t n = std::min(hw, (bytes + kSlice - 1) / kSlice);
  if (n <= 1) return touch(0, bytes);
  const size_t per = (bytes / n + kPage - 1) / kPage * kPage;
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(touch, i * per, std::min(bytes, (i + 1) * per));
  touch(0, std::min(bytes, per));
  for (std::thread& t : threads) t.join();
}

}  // namespace chunkserve
