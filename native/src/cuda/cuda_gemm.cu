// Launchers of the GEMM kernels (gemm_kernels.cuh): the skinny/tiled choice and the dtype and
// token-tile dispatch.
#include "cuda/cuda_gemm.h"

#include <stdexcept>
#include <string>

#include "cuda/cuda_error.h"
#include "cuda/gemm_kernels.cuh"

namespace chunkserve {

namespace {

template <typename T>
void launch(const float* x, void* x16, int64_t M, const void* w, int N, int K, const gemm::GemmOut& o, cudaStream_t s) {
  using namespace gemm;
  const T* wt = static_cast<const T*>(w);
  if (M <= kSkinnyMaxRows) {
    const dim3 grid((N + kSkinnyRows - 1) / kSkinnyRows);
    // Why three widths: the mma count per weight load scales with the token tiles; a batch of 3
    // should not pay for 32.
    if (M <= 8) skinny_kernel<T, 1><<<grid, kSkinnyThreads, 0, s>>>(x, wt, static_cast<int>(M), N, K, o);
    else if (M <= 16) skinny_kernel<T, 2><<<grid, kSkinnyThreads, 0, s>>>(x, wt, static_cast<int>(M), N, K, o);
    else skinny_kernel<T, 4><<<grid, kSkinnyThreads, 0, s>>>(x, wt, static_cast<int>(M), N, K, o);
    cuda_check(cudaGetLastError(), "skinny GEMM launch");
    return;
  }
  const int64_t n = M * K;  // multiple of 8
  T* xt = static_cast<T*>(x16);
  to_16bit_kernel<T><<<static_cast<unsigned>((n / 8 + 255) / 256), 256, 0, s>>>(x, xt, n);
  cuda_check(cudaGetLastError(), "GEMM input conversion launch");
  const dim3 grid((N + kBN - 1) / kBN, static_cast<unsigned>((M + kBM - 1) / kBM));
  tiled_kernel<T><<<grid, kThreads, 0, s>>>(xt, wt, static_cast<int>(M), N, K, o);
  cuda_check(cudaGetLastError(), "tiled GEMM launch");
}

}  // namespace

void cuda_gemm(DType w_dtype, const float* x, void* x16, int64_t M, const void* w, int N, int K, const gemm::GemmOut& out,
               void* stream) {
  if (K <= 0 || K % 8 != 0 || N <= 0)
    throw std::invalid_argument("CUDA GEMM: K must be a positive multiple of 8 and N positive (K " + std::to_string(K) +
                                ", N " + std::to_string(N) + ")");
  if (M > (int64_t{1} << 30)) throw std::invalid_argument("CUDA GEMM: more than 2^30 rows");
  if (M <= 0) return;
  if (w_dtype == DType::F16) launch<__half>(x, x16, M, w, N, K, out, as_stream(stream));
  else if (w_dtype == DType::BF16) launch<__nv_bfloat16>(x, x16, M, w, N, K, out, as_stream(stream));
  else throw std::invalid_argument("CUDA GEMM: weights must be fp16 or bf16");
}

}  // namespace chunkserve
