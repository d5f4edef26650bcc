#include "cuda/tpp_prefill.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <stdexcept>

#include "cuda/cuda_error.h"
#include "cuda/kv_store_kernels.cuh"
#include "cuda/tpp_plan_buffer.h"
#include "cuda/tpp_pool_args.h"

namespace chunkserve {

void cuda_prefill(const CudaChunkStorage& pool, const std::vector<int32_t>& path, int layer, int n_heads,
                  int32_t pos0, int32_t n_q, const float* q, const float* k, const float* v, float* out, void* stream) {
  const ChunkLayout& L = pool.layout();
  const TppDevicePlan plan = build_tpp_prefill_plan(path, L, n_heads, pos0, n_q);
  for (const TppChunkRef& r : plan.refs)
    if (r.chunk >= pool.capacity()) throw std::invalid_argument("CUDA prefill: chunk id outside the pool");
  if ((k == nullptr) != (v == nullptr)) throw std::invalid_argument("CUDA prefill: pass both k and v, or neither");
  TppKernelArgs a = tpp_pool_args(pool, layer, n_heads);
  TppPlanBuffer buf;
  buf.upload(plan);
  if (k != nullptr) {
    const dim3 grid(n_q, L.n_kv_heads);
    if (L.dtype == DType::F16)
      write_rows_kernel<__half><<<grid, 128, 0, as_stream(stream)>>>(static_cast<__half*>(pool.device_base()),
                                                                      a.chunk_elems, a.layer_offset, L.chunk_size,
                                                                      L.head_dim, L.n_kv_heads, buf.refs(), pos0, k, v);
    else
      write_rows_kernel<__nv_bfloat16><<<grid, 128, 0, as_stream(stream)>>>(
          static_cast<__nv_bfloat16*>(pool.device_base()), a.chunk_elems, a.layer_offset, L.chunk_size, L.head_dim,
          L.n_kv_heads, buf.refs(), pos0, k, v);
    cuda_check(cudaGetLastError(), "write_rows_kernel launch");
  }
  a.pieces = buf.seq_first();
  a.refs = buf.refs();
  a.q_row = buf.q_row();
  a.q = q;
  a.out = out;
  a.q_pos0 = pos0;
  cuda_check(static_cast<cudaError_t>(launch_tpp_tiles(L.dtype, L.head_dim, TppMode::FinalPrefill, a, 1,
                                                       tpp_row_blocks(n_q * a.group), false, stream)),
             "TPP prefill launch");
  cuda_check(cudaStreamSynchronize(as_stream(stream)), "prefill");  // the plan buffer is freed on return
}

}  // namespace chunkserve
