// What the process and the machine hold, for tests of memory that must (or must not) be backed:
// Linux /proc only; -1 where unknown.
#pragma once
#include <fstream>
#include <string>

namespace check {

// Resident bytes of this process (/proc/self/statm, in 4 KiB pages).
inline long long resident_bytes() {
  std::ifstream f("/proc/self/statm");
  long long size = 0, resident = 0;
  return (f >> size >> resident) ? resident * 4096 : -1;
}

// MemTotal of /proc/meminfo in bytes.
inline long long mem_total_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string key, unit;
  long long kib = 0;
  while (f >> key >> kib) {
    std::getline(f, unit);
    if (key == "MemTotal:") return kib * 1024;
  }
  return -1;
}

}  // namespace check
