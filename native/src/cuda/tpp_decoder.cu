#include "cuda/tpp_decoder.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "cuda/cuda_error.h"
#include "cuda/device_probe.h"
#include "cuda/kv_store_kernels.cuh"
#include "cuda/tpp_pool_args.h"

namespace chunkserve {

namespace {

bool same_structure(const DecodeWorkList& a, const DecodeWorkList& b) {
  return a.chunk_size == b.chunk_size && a.dfs_row == b.dfs_row && a.segment_chunks == b.segment_chunks &&
         a.segment_chunk_offset == b.segment_chunk_offset && a.segment_begin == b.segment_begin &&
         a.segment_end == b.segment_end && a.seq_chunk_offset == b.seq_chunk_offset && a.seq_chunks == b.seq_chunks &&
         a.seq_chunk_index == b.seq_chunk_index && a.seq_partials == b.seq_partials;
}

bool same_layout(const ChunkLayout& a, const ChunkLayout& b) {
  return a.n_layers == b.n_layers && a.n_kv_heads == b.n_kv_heads && a.head_dim == b.head_dim &&
         a.chunk_size == b.chunk_size && a.dtype == b.dtype;
}

}  // namespace

CudaTppDecoder::CudaTppDecoder(int target_blocks) : target_blocks_(target_blocks) {
  if (target_blocks_ <= 0) target_blocks_ = 2 * cuda_multiprocessors();
  int dev = 0, major = 0;
  cuda_check(cudaGetDevice(&dev), "cudaGetDevice");
  cuda_check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev), "compute capability");
  const char* env = std::getenv("CHUNKSERVE_CUDA_PDL");
  pdl_supported_ = major >= 9;
  programmatic_launch_ = pdl_supported_ && !(env != nullptr && std::string(env) == "0");
}

bool CudaTppDecoder::prepare(const DecodeWorkList& work, const ChunkLayout& layout, int n_heads) {
  const bool rebuild = !planned_ || n_heads != n_heads_ || !same_layout(layout, layout_) || !same_structure(work, key_);
  valid_ = false;  // until this step's plan and lengths are on the device
  if (rebuild) {
    planned_ = false;  // a failed rebuild leaves no usable plan
    TppDevicePlan plan = build_tpp_device_plan(work, layout, n_heads);
    plan_buf_.upload(plan);
    const size_t D = layout.head_dim;
    part_o_.reserve(static_cast<size_t>(plan.n_partial_rows) * n_heads * D * sizeof(float));
    part_ml_.reserve(static_cast<size_t>(plan.n_partial_rows) * n_heads * 2 * sizeof(float));
    len_buf_.reserve(std::max<size_t>(1, plan.n_seqs) * sizeof(int32_t));
    plan_ = std::move(plan);
    key_ = work;
    key_.seq_len.clear();
    layout_ = layout;
    n_heads_ = n_heads;
    planned_ = true;
    ++plan_uploads_;
  }
  check_step_lengths(plan_, work.seq_len);
  len_buf_.upload(work.seq_len.data(), work.seq_len.size() * sizeof(int32_t));
  host_len_ = work.seq_len;
  valid_ = true;
  return rebuild;
}

void CudaTppDecoder::append_kv(const CudaChunkStorage& pool, int layer, const float* k, const float* v, void* stream) {
  if (!valid_) throw std::logic_error("CudaTppDecoder::append_kv before prepare");
  if (!same_layout(pool.layout(), layout_)) throw std::invalid_argument("CUDA append: pool layout differs from the plan's");
  const TppKernelArgs a = tpp_pool_args(pool, layer, n_heads_);
  // Lengths were validated in prepare(); also require an own chunk for the new position.
  for (int i = 0; i < plan_.n_seqs; ++i)
    if (host_len_[i] < 1 || find_append_ref(plan_.refs.data(), plan_.seq_first[i], host_len_[i], layout_.chunk_size) < 0)
      throw std::invalid_argument("CUDA append: DFS position " + std::to_string(i) + " has no own chunk for position " +
                                  std::to_string(host_len_[i] - 1));
  if (plan_.n_seqs == 0) return;
  const dim3 grid(plan_.n_seqs, layout_.n_kv_heads);
  const auto* lens = static_cast<const int32_t*>(len_buf_.get());
  if (layout_.dtype == DType::F16)
    append_decode_kernel<__half><<<grid, 128, 0, as_stream(stream)>>>(
        static_cast<__half*>(pool.device_base()), a.chunk_elems, a.layer_offset, a.chunk_size, layout_.head_dim,
        a.n_kv_heads, plan_buf_.seq_first(), plan_buf_.refs(), lens, plan_buf_.q_row(), k, v);
  else
    append_decode_kernel<__nv_bfloat16><<<grid, 128, 0, as_stream(stream)>>>(
        static_cast<__nv_bfloat16*>(pool.device_base()), a.chunk_elems, a.layer_offset, a.chunk_size,
        layout_.head_dim, a.n_kv_heads, plan_buf_.seq_first(), plan_buf_.refs(), lens, plan_buf_.q_row(), k, v);
  cuda_check(cudaGetLastError(), "append_decode_kernel launch");
}

void CudaTppDecoder::decode(const CudaChunkStorage& pool, int layer, const float* q, float* out, void* stream) {
  if (!valid_) throw std::logic_error("CudaTppDecoder::decode before prepare");
  if (!same_layout(pool.layout(), layout_)) throw std::invalid_argument("CUDA decode: pool layout differs from the plan's");
  TppKernelArgs a = tpp_pool_args(pool, layer, n_heads_);
  a.refs = plan_buf_.refs();
  a.merge_rows = plan_buf_.merge_rows();
  a.q_row = plan_buf_.q_row();
  a.seq_len = static_cast<const int32_t*>(len_buf_.get());
  a.q = q;
  a.out = out;
  a.part_o = static_cast<float*>(part_o_.get());
  a.part_ml = static_cast<float*>(part_ml_.get());
  if (!plan_.chunk_first.empty()) {
    a.pieces = plan_buf_.chunk_first();
    cuda_check(static_cast<cudaError_t>(launch_tpp_tiles(layout_.dtype, layout_.head_dim, TppMode::Partial, a,
                                                         static_cast<int>(plan_.chunk_first.size()),
                                                         tpp_row_blocks(plan_.max_chunk_first_rows), false, stream)),
               "TPP chunk-first launch");
  }
  if (plan_.n_seqs == 0) return;
  a.pieces = plan_buf_.seq_first();
  const bool programmatic = programmatic_launch_ && !plan_.chunk_first.empty();
  auto launch = [&](bool pdl) {
    return static_cast<cudaError_t>(launch_tpp_tiles(layout_.dtype, layout_.head_dim, TppMode::FinalDecode, a,
                                                     plan_.n_seqs, tpp_row_blocks(a.group), pdl, stream));
  };
  cudaError_t err = launch(programmatic);
  if (err != cudaSuccess && programmatic) {
    // The runtime refused the programmatic launch (a configuration error, reported before
    // anything ran): use plain launches from now on; programmatic_launch() reports it.
    cudaGetLastError();
    programmatic_launch_ = false;
    err = launch(false);
  }
  cuda_check(err, "TPP sequence-first launch");
}

}  // namespace chunkserve
