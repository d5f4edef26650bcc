#include "cuda/cuda_layers.h"

#include <algorithm>
#include <stdexcept>

#include "cuda/cuda_error.h"
#include "cuda/layer_kernels.cuh"

namespace chunkserve {

using layer_kernels::kRowThreads;

namespace {

void check_rows(int64_t n) {
  if (n > 0x7fffffff) throw std::invalid_argument("CUDA layer kernel: more than 2^31 - 1 rows");
}

}  // namespace

void cuda_embed(DType table_dtype, const void* table, const int32_t* tokens, int64_t n, int hidden, float* x, void* stream) {
  check_rows(n);
  if (n <= 0) return;
  if (table_dtype == DType::F16)
    layer_kernels::embed_kernel<__half><<<static_cast<unsigned>(n), kRowThreads, 0, as_stream(stream)>>>(
        static_cast<const __half*>(table), tokens, hidden, x);
  else if (table_dtype == DType::BF16)
    layer_kernels::embed_kernel<__nv_bfloat16><<<static_cast<unsigned>(n), kRowThreads, 0, as_stream(stream)>>>(
        static_cast<const __nv_bfloat16*>(table), tokens, hidden, x);
  else
    throw std::invalid_argument("CUDA embedding: table must be fp16 or bf16");
  cuda_check(cudaGetLastError(), "embed_kernel launch");
}

void cuda_rms_norm(const float* x, const float* w, int64_t n, int dim, float eps, float* y, void* stream) {
  check_rows(n);
  if (n <= 0) return;
  layer_kernels::rms_norm_kernel<<<static_cast<unsigned>(n), kRowThreads, 0, as_stream(stream)>>>(x, w, dim, eps, y);
  cuda_check(cudaGetLastError(), "rms_norm_kernel launch");
}

void cuda_rope(float* x, const int32_t* pos, const double* inv_freq, int64_t n, int n_heads, int head_dim, void* stream) {
  check_rows(n);
  if (n <= 0) return;
  const int threads = std::min(128, std::max(32, head_dim / 2));
  layer_kernels::rope_kernel<<<static_cast<unsigned>(n), threads, 0, as_stream(stream)>>>(x, pos, inv_freq, n_heads, head_dim);
  cuda_check(cudaGetLastError(), "rope_kernel launch");
}

void cuda_convert_rows(const void* src, DType src_dtype, int64_t rows, int cols, DType dst_dtype, void* dst,
                       int64_t dst_row_step, void* stream) {
  if (rows <= 0 || cols <= 0) return;
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(4096, (rows * cols + 255) / 256));
  if (dst_dtype == DType::F16)
    layer_kernels::convert_rows_kernel<__half><<<blocks, 256, 0, as_stream(stream)>>>(src, src_dtype, rows, cols,
                                                                                      static_cast<__half*>(dst), dst_row_step);
  else if (dst_dtype == DType::BF16)
    layer_kernels::convert_rows_kernel<__nv_bfloat16><<<blocks, 256, 0, as_stream(stream)>>>(
        src, src_dtype, rows, cols, static_cast<__nv_bfloat16*>(dst), dst_row_step);
  else
    throw std::invalid_argument("CUDA weight conversion: target must be fp16 or bf16");
  cuda_check(cudaGetLastError(), "convert_rows_kernel launch");
}

}  // namespace chunkserve
