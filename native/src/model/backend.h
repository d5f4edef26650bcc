// A backend: the implementation of the engine's compute on one kind of device (cpu, cuda). It
// runs the ops of the forward pass (model/forward.cc holds the control flow) and owns the memory
// they touch: activations from alloc(), and the chunk pool from make_chunk_storage(), laid out
// as cache/chunk_layout.h says. The CPU backend uses host memory, its thread pool, SIMD matmuls
// and the attention kernels reading the pool directly.
#pragma once
#include <cstdint>
#include <memory>

#include "attention/decode_attention.h"
#include "cache/kv_cache.h"
#include "common/device.h"
#include "model/linear.h"
#include "model/model_config.h"
#include "model/model_weights.h"
#include "runtime/batch.h"

namespace chunkserve {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual DeviceKind device() const = 0;
  virtual int threads() const = 0;  // host worker threads it computes with

  // Where the KV chunk pool's bytes live for this backend (host memory on the CPU).
  virtual std::unique_ptr<ChunkStorage> make_chunk_storage(const ChunkLayout& layout, size_t pool_bytes) = 0;

  // Activation buffer of n floats (backend memory), zero-initialised.
  virtual float* alloc(int64_t n) = 0;
  virtual void free(float* p) = 0;
  // Backend -> host copy.
  virtual void download(float* dst, const float* src, int64_t n) = 0;

  // x: [T, hidden] = embed rows of the batch's tokens.
  virtual void embed(const WeightMatrix& table, const Batch& batch, float* x) = 0;
  virtual void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) = 0;
  // y: [n, w.rows] = x: [n, w.cols] w^T (+ bias: [w.rows] host, may be null)
  virtual void linear(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y) = 0;
  // q, k, v projections of the same input at once (biases may be null).
  virtual void linear_qkv(const float* x, int64_t n, const LayerWeights& L, float* q, float* k, float* v) = 0;
  // h: [n, inter] = silu(x w_gate^T) * (x w_up^T); up: [n, inter] scratch.
  virtual void gate_up_swiglu(const float* x, int64_t n, const LayerWeights& L, float* up, float* h) = 0;
  // x: [T, n_heads, head_dim] rotated in place at the batch's positions.
  virtual void rope(float* x, const Batch& batch, int n_heads) = 0;
  virtual void add(float* x, const float* y, int64_t n) = 0;

  // Stores K/V rows k, v: [T, kv_dim] of every row of the batch into the cache for layer.
  virtual void store_kv(KvCache& cache, const Batch& batch, int layer, const float* k, const float* v) = 0;
  // Decode: q, out: [n_decode, n_heads, head_dim], one query per decode row of the batch.
  virtual void decode_attention(const KvCache& cache, DecodePlan& plan, const Batch& batch, int layer,
                                int n_heads, const float* q, float* out) = 0;
  // Prefill of one span: q, out: [span.n, n_heads, head_dim], causal over [0, pos0 + n).
  virtual void prefill_attention(const KvCache& cache, const BatchSpan& span, int layer, int n_heads,
                                 const float* q, float* out) = 0;
};

// threads <= 0: one per core.
std::unique_ptr<Backend> make_cpu_backend(const ModelConfig& cfg, int threads);

}  // namespace chunkserve
