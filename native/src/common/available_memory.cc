#include "common/available_memory.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace chunkserve {

namespace {

// The first whole number in the file, or -1 (absent, unreadable, or "max": no limit).
long long read_number(const char* path) {
  std::ifstream f(path);
  long long v = -1;
  if (!(f >> v)) return -1;
  return v;
}

// MemAvailable from /proc/meminfo in bytes, or -1.
long long mem_available() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  long long kib = 0;
  std::string unit;
  while (f >> key >> kib) {
    std::getline(f, unit);
    if (key == "MemAvailable:") return kib * 1024;
  }
  return -1;
}

// What the cgroup limit leaves, in bytes, or -1 when there is no limit we can read.
long long cgroup_headroom() {
  long long limit = read_number("/sys/fs/cgroup/memory.max");
  long long used = read_number("/sys/fs/cgroup/memory.current");
  if (limit < 0) {  // cgroup v1 (its "no limit" is a huge number, which the min below ignores)
    limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  if (limit < 0 || used < 0) return -1;
  return std::max(0LL, limit - used);
}

}  // namespace

size_t available_memory_bytes() {
  const long long avail = mem_available(), headroom = cgroup_headroom();
  long long v = avail;
  if (headroom >= 0 && (v < 0 || headroom < v)) v = headroom;
  return v < 0 ? 0 : static_cast<size_t>(v);
}

}  // namespace chunkserve
