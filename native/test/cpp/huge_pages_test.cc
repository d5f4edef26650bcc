// commit_pages backs a whole allocation with physical memory at once (the process's resident set
// grows by its size), from several threads for large ones, and handles sizes off the page grid.
#include <cstdlib>
#include <cstring>

#include "check.h"
#include "common/huge_pages.h"
#include "process_memory.h"

using namespace chunkserve;
using check::resident_bytes;

TEST_CASE("a committed allocation is resident at once, not page by page as it is written") {
  const size_t bytes = size_t(200) << 20;  // past 64 MiB: more than one thread touches it
  const long long before = resident_bytes();
  CHECK(before > 0);
  auto* p = static_cast<uint8_t*>(alloc_streamed(bytes));
  const long long allocated = resident_bytes();
  CHECK(allocated - before < (long long)(bytes / 4));  // allocating alone backs (almost) nothing
  commit_pages(p, bytes);
  const long long committed = resident_bytes();
  CHECK(committed - before >= (long long)(bytes * 95 / 100));
  CHECK_EQ(p[0], 0);
  CHECK_EQ(p[bytes - (bytes % 4096 == 0 ? 4096 : bytes % 4096)], 0);
  std::free(p);
}

TEST_CASE("sizes off the page grid and tiny ones") {
  for (size_t bytes : {size_t(1), size_t(4095), size_t(4097), size_t(5000), size_t(3) << 20}) {
    auto* p = static_cast<uint8_t*>(alloc_streamed(bytes));
    commit_pages(p, bytes);
    std::memset(p, 7, bytes);  // all of it usable
    CHECK_EQ(p[bytes - 1], 7);
    std::free(p);
  }
}
