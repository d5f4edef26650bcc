// Memory that kernels stream through (KV chunk pools, packed weights) on 2 MiB pages where the
// kernel grants them (Linux transparent huge pages in "madvise" mode, the usual default): one
// TLB entry per 2 MiB instead of per 4 KiB. A decode step streams every weight byte once (~400
// MB for the peer model), i.e. ~100k distinct 4 KiB pages a step.
#pragma once
#include <cstddef>

namespace chunkserve {

constexpr size_t kHugePageBytes = size_t(2) << 20;

// bytes of memory aligned to 64 bytes, and to kHugePageBytes when at least that large, with the
// whole huge pages inside it advised as such (a hint: without it the memory is only slower).
// Throws std::bad_alloc. Release with std::free.
void* alloc_streamed(size_t bytes);

// Backs [p, p + bytes) with physical memory now: one write of zero per 4 KiB page, from up to one
// thread per core. Only for memory that holds nothing yet (it overwrites a byte of every page).
// Why: the first touch of a page costs a fault (and, for a huge page, zeroing 2 MiB and perhaps
// compaction) in whatever thread touches it; for a KV pool that is the scheduler thread in the
// middle of a step (docs/engine.md gives the numbers).
void commit_pages(void* p, size_t bytes);

}  // namespace chunkserve
