// The CUDA backend's GEMM entry point: y = epilogue(x W^T) on tensor cores with our own
// mma.sync kernels (gemm_kernels.cuh; layouts in gemm_layout.h). Decode-sized batches
// (M <= kSkinnyMaxRows) take the skinny kernel, which streams each weight byte once; larger ones
// the tiled kernel, after x is rounded to 16 bits into x16. Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstdint>

#include "common/dtype.h"
#include "cuda/gemm_layout.h"

namespace chunkserve {

// x: device [M][K] fp32; w: device [N][K] of w_dtype (fp16 | bf16); x16: device scratch of at
// least M * K 16-bit elements (used when M > kSkinnyMaxRows). K must be a multiple of 8.
// Launches on `stream` and returns; throws std::invalid_argument for a bad shape or dtype and
// std::runtime_error when the launch fails.
void cuda_gemm(DType w_dtype, const float* x, void* x16, int64_t M, const void* w, int N, int K, const gemm::GemmOut& out,
               void* stream = nullptr);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
