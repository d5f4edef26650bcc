// AVX2 + FMA + F16C instantiation of the attention kernels (compiled with -mavx2 -mfma -mf16c).
#include "attention/attend_kernels.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include "common/simd_avx2.h"
#define CS_SIMD SimdAvx2
#define CS_ISA_NS isa_avx2
#include "attention/attend_kernels_impl.h"

namespace chunkserve {
const AttendKernels* attend_kernels_avx2(int head_dim, DType dtype) { return isa_avx2::lookup(head_dim, dtype); }
}  // namespace chunkserve
#else
namespace chunkserve {
const AttendKernels* attend_kernels_avx2(int, DType) { return nullptr; }
}  // namespace chunkserve
#endif
