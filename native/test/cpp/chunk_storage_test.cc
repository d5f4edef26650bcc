// The host chunk pool: backed at once when it fits, and refused with a clear CacheError, before
// it takes any memory, when it cannot fit what the machine (or the container) has left.
#include <string>

#include "cache/chunk_storage.h"
#include "cache/kv_cache.h"
#include "check.h"
#include "common/available_memory.h"
#include "process_memory.h"

using namespace chunkserve;
using check::mem_total_bytes;
using check::resident_bytes;

static ChunkLayout layout() {
  ChunkLayout l;
  l.n_layers = 4;
  l.n_kv_heads = 2;
  l.head_dim = 64;
  l.chunk_size = 64;
  l.dtype = DType::F16;
  return l;  // 128 KiB a chunk
}

TEST_CASE("the memory available is known here and within the machine's") {
  const size_t available = available_memory_bytes();
  CHECK(available > 0);
  CHECK((long long)available <= mem_total_bytes());
}

TEST_CASE("a pool that fits is resident from the start") {
  const long long before = resident_bytes();
  HostChunkStorage pool(layout(), size_t(64) << 20);
  CHECK_EQ(pool.capacity(), 512);
  CHECK(resident_bytes() - before >= (long long)(60 << 20));
}

TEST_CASE("a pool past the memory available is refused before it takes any") {
  const size_t too_big = available_memory_bytes() + (size_t(4) << 30);
  const long long before = resident_bytes();
  bool refused = false;
  try {
    HostChunkStorage pool(layout(), too_big);
  } catch (const CacheError& e) {
    refused = std::string(e.what()).find("does not fit the memory available") != std::string::npos &&
              std::string(e.what()).find("kvCacheBytes") != std::string::npos;
  }
  CHECK(refused);
  CHECK(resident_bytes() - before < (long long)(16 << 20));
}
