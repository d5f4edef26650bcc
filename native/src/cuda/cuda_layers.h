// Launchers of the CUDA backend's element-wise kernels (layer_kernels.cuh). Device pointers;
// each launches on `stream` (a cudaStream_t, null = the default stream) and returns; a failed
// launch throws std::runtime_error naming the kernel. Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstdint>

#include "common/dtype.h"

namespace chunkserve {

// x: [n][hidden] fp32 = rows tokens[0, n) of table: [vocab][hidden] (fp16 | bf16).
void cuda_embed(DType table_dtype, const void* table, const int32_t* tokens, int64_t n, int hidden, float* x,
                void* stream = nullptr);
// y = rms_norm(x) * w per row; x, y: [n][dim] (may alias), w: [dim].
void cuda_rms_norm(const float* x, const float* w, int64_t n, int dim, float eps, float* y, void* stream = nullptr);
// x: [n][n_heads][head_dim] rotated in place at positions pos: [n]; inv_freq: [head_dim / 2].
void cuda_rope(float* x, const int32_t* pos, const double* inv_freq, int64_t n, int n_heads, int head_dim,
               void* stream = nullptr);
// src: [rows][cols] of src_dtype -> dst (dst_dtype fp16 | bf16), row r at dst + r * dst_row_step.
void cuda_convert_rows(const void* src, DType src_dtype, int64_t rows, int cols, DType dst_dtype, void* dst,
                       int64_t dst_row_step, void* stream = nullptr);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
