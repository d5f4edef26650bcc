// How much memory this process could still take, to refuse at load a pool that cannot fit rather
// than be killed by the kernel's OOM killer while committing it (or later, mid-serving).
#pragma once
#include <cstddef>

namespace chunkserve {

// Bytes: the smaller of the kernel's MemAvailable (/proc/meminfo) and what this process's cgroup
// limit leaves (v2 memory.max - memory.current, or v1 memory.limit_in_bytes - memory.usage_in_bytes,
// as mounted at /sys/fs/cgroup inside a container). 0 when unknown (not Linux, no /proc).
size_t available_memory_bytes();

}  // namespace chunkserve
