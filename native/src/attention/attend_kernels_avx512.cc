// AVX-512 instantiation of the attention kernels (compiled with -mavx512f -mavx512bw -mavx512vl).
#include "attention/attend_kernels.h"

#if defined(__AVX512F__)
// gcc 12 warns about _mm256_undefined_* inside its own AVX-512 intrinsics (gcc bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "common/simd_avx512.h"
#define CS_SIMD SimdAvx512
#define CS_ISA_NS isa_avx512
#include "attention/attend_kernels_impl.h"

namespace chunkserve {
const AttendKernels* attend_kernels_avx512(int head_dim, DType dtype) { return isa_avx512::lookup(head_dim, dtype); }
}  // namespace chunkserve
#else
namespace chunkserve {
const AttendKernels* attend_kernels_avx512(int, DType) { return nullptr; }
}  // namespace chunkserve
#endif
