// Portable instantiation of the attention kernels (plain C++, any CPU).
#include "common/simd_portable.h"
#define CS_SIMD SimdPortable
#define CS_ISA_NS isa_portable
#include "attention/attend_kernels_impl.h"

namespace chunkserve {
const AttendKernels* attend_kernels_portable(int head_dim, DType dtype) { return isa_portable::lookup(head_dim, dtype); }
}  // namespace chunkserve
