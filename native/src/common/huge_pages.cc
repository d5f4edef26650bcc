#include "common/huge_pages.h"

#include <cstdint>
#include <cstdlib>
#include <new>

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

}  // namespace chunkserve
