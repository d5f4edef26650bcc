#include "cuda/tpp_bench.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "cuda/cuda_error.h"
#include "cuda/device_probe.h"
#include "cuda/tpp_decoder.h"

namespace chunkserve {

namespace {

__device__ __forceinline__ float hash_uniform(uint64_t x) {  // splitmix64 -> [-1, 1)
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  return static_cast<float>(x >> 40) * (2.0f / 16777216.0f) - 1.0f;
}

// Physical chunk p gets the values of logical chunk logical[p]: [n_chunks][chunk_elems] of T.
template <typename T>
__global__ void fill_chunks_kernel(T* pool, int64_t chunk_elems, const int32_t* logical, int64_t total, uint64_t seed) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t p = i / chunk_elems, e = i % chunk_elems;
    const float x = hash_uniform(seed ^ (static_cast<uint64_t>(logical[p]) * chunk_elems + e) * 0x2545f4914f6cdd1dull);
    if constexpr (std::is_same<T, __half>::value) pool[i] = __float2half_rn(x);
    else pool[i] = __float2bfloat16_rn(x);
  }
}
__global__ void fill_floats_kernel(float* x, int64_t n, uint64_t seed) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    x[i] = 2.f * hash_uniform(seed ^ (static_cast<uint64_t>(i) * 0x9e3779b97f4a7c15ull));
}

void fill_pool(CudaChunkStorage& pool, const std::vector<int32_t>& logical, uint64_t seed) {
  DeviceBuffer map(logical.size() * sizeof(int32_t));  // [n_chunks] logical chunk of each physical one
  map.upload(logical.data(), logical.size() * sizeof(int32_t));
  const int64_t ce = static_cast<int64_t>(pool.layout().chunk_elems());
  const int64_t total = ce * static_cast<int64_t>(logical.size());
  const auto* lg = static_cast<const int32_t*>(map.get());
  if (pool.layout().dtype == DType::F16)
    fill_chunks_kernel<__half><<<1024, 256>>>(static_cast<__half*>(pool.device_base()), ce, lg, total, seed);
  else
    fill_chunks_kernel<__nv_bfloat16><<<1024, 256>>>(static_cast<__nv_bfloat16*>(pool.device_base()), ce, lg, total, seed);
  cuda_check(cudaGetLastError(), "fill launch");
  cuda_check(cudaDeviceSynchronize(), "fill");
}

// Chunk paths of `batch` sequences: with share, the first n_shared chunks of every path are one
// set of shared chunks (ids 0..n_shared-1), else every sequence has its own copy.
std::vector<std::vector<ChunkId>> bench_paths(int batch, int n_shared, int n_own, bool share) {
  std::vector<std::vector<ChunkId>> paths(batch);
  const int n_path = n_shared + n_own;
  for (int i = 0; i < batch; ++i)
    for (int k = 0; k < n_path; ++k) {
      if (!share) paths[i].push_back(i * n_path + k);  // private copies
      else if (k < n_shared) paths[i].push_back(k);    // the shared prompt
      else paths[i].push_back(n_shared + i * n_own + (k - n_shared));
    }
  return paths;
}

// The engine's work list for those paths (TPP: threshold 1; without sharing nothing is shared).
DecodeWorkList bench_work_list(const CudaTppDecoder& dec, const ChunkLayout& layout, int n_heads, int batch,
                               int n_shared, int n_own, int len, bool share) {
  return build_decode_work_list(bench_paths(batch, n_shared, n_own, share), std::vector<int32_t>(batch, len),
                                layout.chunk_size, 1, dec.policy(layout, n_heads));
}

struct Timing {
  double median_us = 0, spread_us = 0;
};

Timing time_decode(CudaTppDecoder& dec, const CudaChunkStorage& pool, int layers, const float* q, float* out,
                   int reps, int iters) {
  for (int w = 0; w < 3; ++w) dec.decode(pool, w % layers, q, out);
  cuda_check(cudaDeviceSynchronize(), "warm-up");
  cudaEvent_t e0, e1;
  cuda_check(cudaEventCreate(&e0), "event");
  cuda_check(cudaEventCreate(&e1), "event");
  std::vector<double> per_call;
  for (int r = 0; r < reps; ++r) {
    cuda_check(cudaEventRecord(e0), "record");
    for (int it = 0; it < iters; ++it) dec.decode(pool, (r * iters + it) % layers, q, out);
    cuda_check(cudaEventRecord(e1), "record");
    cuda_check(cudaEventSynchronize(e1), "sync");
    float ms = 0.f;
    cuda_check(cudaEventElapsedTime(&ms, e0, e1), "elapsed");
    per_call.push_back(ms * 1e3 / iters);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  std::sort(per_call.begin(), per_call.end());
  return {per_call[per_call.size() / 2], per_call.back() - per_call.front()};
}

}  // namespace

CudaBenchResult run_cuda_kernel_bench(const CudaBenchSpec& s) {
  if (s.batch < 1 || s.shared < 0 || s.own < 0 || s.shared % s.chunk_size != 0 || s.shared + s.own < 1)
    throw std::invalid_argument("CUDA bench: need batch >= 1, shared a multiple of chunk_size, shared + own >= 1");
  if (s.reps < 1 || s.iters < 1) throw std::invalid_argument("CUDA bench: reps and iters must be >= 1");
  CudaBenchResult res;
  int dev = 0;
  cuda_check(cudaGetDevice(&dev), "cudaGetDevice");
  cudaDeviceProp prop{};
  cuda_check(cudaGetDeviceProperties(&prop, dev), "properties");
  res.gpu = prop.name;
  res.copy_bytes_per_s = cuda_copy_bandwidth(size_t(1) << 30, 10);

  const int c = s.chunk_size;
  const int n_shared = s.shared / c;
  const int n_own = s.own / c + 1;  // the last one is the partly filled (or empty) tail
  const int len = s.shared + s.own;
  ChunkLayout layout{1, s.n_kv_heads, s.head_dim, c, s.dtype};
  const uint64_t row_bytes = 2ull * s.n_kv_heads * s.head_dim * dtype_size(s.dtype);  // K + V of one token
  const uint64_t qo_bytes = 2ull * s.batch * s.n_heads * s.head_dim * sizeof(float);
  res.tpp_bytes = (static_cast<uint64_t>(s.batch > 1 ? s.shared : s.batch * s.shared) +
                   static_cast<uint64_t>(s.batch) * s.own) * row_bytes + qo_bytes;
  res.baseline_bytes = static_cast<uint64_t>(s.batch) * len * row_bytes + qo_bytes;
  const double rotation = 4.0 * prop.l2CacheSize;
  auto layers_for = [&](uint64_t bytes) { return static_cast<int>(std::clamp(std::ceil(rotation / bytes), 1.0, 64.0)); };

  DeviceBuffer q(static_cast<size_t>(s.batch) * s.n_heads * s.head_dim * 4);  // [batch][n_heads][head_dim] fp32
  DeviceBuffer out_tpp(q.bytes()), out_base(q.bytes());                       // same shape
  fill_floats_kernel<<<256, 256>>>(static_cast<float*>(q.get()), static_cast<int64_t>(q.bytes() / 4), 77);
  cuda_check(cudaGetLastError(), "fill q");
  std::vector<float> host_tpp(q.bytes() / 4), host_base(q.bytes() / 4);

  {  // TPP over the shared pool
    layout.n_layers = res.tpp_layers = layers_for(res.tpp_bytes);
    const int n_chunks = n_shared + s.batch * n_own;
    CudaChunkStorage pool(layout, static_cast<size_t>(n_chunks) * layout.chunk_bytes());
    std::vector<int32_t> logical(n_chunks);
    for (int p = 0; p < n_chunks; ++p) logical[p] = p;
    fill_pool(pool, logical, 1234);
    CudaTppDecoder dec;
    dec.prepare(bench_work_list(dec, layout, s.n_heads, s.batch, n_shared, n_own, len, true), layout, s.n_heads);
    res.chunk_first_pieces = static_cast<int>(dec.plan().chunk_first.size());
    res.chunks_per_piece = dec.plan().chunks_per_piece;
    const Timing t = time_decode(dec, pool, res.tpp_layers, static_cast<const float*>(q.get()),
                                 static_cast<float*>(out_tpp.get()), s.reps, s.iters);
    res.tpp_us = t.median_us;
    res.tpp_spread_us = t.spread_us;
    res.pdl = dec.programmatic_launch();
    res.tpp_serial_us = res.tpp_us;
    if (res.pdl) {  // the same without programmatic launch: what PDL buys
      dec.set_programmatic_launch(false);
      res.tpp_serial_us = time_decode(dec, pool, res.tpp_layers, static_cast<const float*>(q.get()),
                                      static_cast<float*>(out_tpp.get()), s.reps, s.iters).median_us;
      dec.set_programmatic_launch(true);
    }
    dec.decode(pool, 0, static_cast<const float*>(q.get()), static_cast<float*>(out_tpp.get()));
    cuda_check(cudaDeviceSynchronize(), "tpp");
    out_tpp.download(host_tpp.data(), q.bytes());
  }
  if (s.baseline) {  // sequence-first over private copies
    layout.n_layers = res.baseline_layers = layers_for(res.baseline_bytes);
    const int n_path = n_shared + n_own;
    const int n_chunks = s.batch * n_path;
    CudaChunkStorage pool(layout, static_cast<size_t>(n_chunks) * layout.chunk_bytes());
    std::vector<int32_t> logical(n_chunks);
    for (int i = 0; i < s.batch; ++i)
      for (int k = 0; k < n_path; ++k) logical[i * n_path + k] = k < n_shared ? k : n_shared + i * n_own + (k - n_shared);
    fill_pool(pool, logical, 1234);
    CudaTppDecoder dec;
    dec.prepare(bench_work_list(dec, layout, s.n_heads, s.batch, n_shared, n_own, len, false), layout, s.n_heads);
    const Timing t = time_decode(dec, pool, res.baseline_layers, static_cast<const float*>(q.get()),
                                 static_cast<float*>(out_base.get()), s.reps, s.iters);
    res.baseline_us = t.median_us;
    res.baseline_spread_us = t.spread_us;
    dec.decode(pool, 0, static_cast<const float*>(q.get()), static_cast<float*>(out_base.get()));
    cuda_check(cudaDeviceSynchronize(), "baseline");
    out_base.download(host_base.data(), q.bytes());
    // Same logical data in layer 0 of both pools only when both have the same layer count;
    // otherwise compare through a fresh one-layer TPP run below.
    if (res.tpp_layers != res.baseline_layers) {
      ChunkLayout one = layout;
      one.n_layers = res.baseline_layers;
      const int n_tpp = n_shared + s.batch * n_own;
      CudaChunkStorage tpool(one, static_cast<size_t>(n_tpp) * one.chunk_bytes());
      std::vector<int32_t> lg(n_tpp);
      for (int p = 0; p < n_tpp; ++p) lg[p] = p;
      fill_pool(tpool, lg, 1234);
      CudaTppDecoder tdec;
      tdec.prepare(bench_work_list(tdec, one, s.n_heads, s.batch, n_shared, n_own, len, true), one, s.n_heads);
      tdec.decode(tpool, 0, static_cast<const float*>(q.get()), static_cast<float*>(out_tpp.get()));
      cuda_check(cudaDeviceSynchronize(), "tpp check");
      out_tpp.download(host_tpp.data(), q.bytes());
    }
    for (size_t i = 0; i < host_tpp.size(); ++i) {
      const double d = std::fabs(static_cast<double>(host_tpp[i]) - host_base[i]);
      res.max_abs_diff = std::isfinite(d) ? std::max(res.max_abs_diff, d) : INFINITY;
    }
  }
  return res;
}

}  // namespace chunkserve
