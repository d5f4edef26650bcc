// A backend: the implementation of the engine's compute on one kind of device (cpu, cuda). It
// runs the ops of the forward pass (model/forward.cc holds the control flow) and owns the memory
// they touch: the weights in its own form (load_weights), activations from alloc(), and the
// chunk pool from make_chunk_storage(), laid out as cache/chunk_layout.h says. The CPU backend
// uses host memory, its thread pool, a packed GEMM (model/gemm.h) and the attention kernels
// reading the pool directly.
#pragma once
#include <cstdint>
#include <memory>

#include "attention/decode_attention.h"
#include "cache/kv_cache.h"
#include "common/device.h"
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

  // Takes the model's weights for the backend's lifetime (they must outlive it): the CPU backend
  // packs the matrices for its GEMM, a GPU backend would upload them. Call once, before any op.
  virtual void load_weights(const ModelWeights& weights) = 0;

  // Activation buffer of n floats (backend memory), zero-initialised.
  virtual float* alloc(int64_t n) = 0;
  virtual void free(float* p) = 0;
  // Backend -> host copy.
  virtual void download(float* dst, const float* src, int64_t n) = 0;

  // x: [T, hidden] = embedding rows of the batch's tokens.
  virtual void embed(const Batch& batch, float* x) = 0;
  virtual void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) = 0;
  // Layer l's projections of xn: [n, hidden]: q: [n, q_dim], k, v: [n, kv_dim] (+ biases).
  virtual void attn_qkv(int layer, const float* xn, int64_t n, float* q, float* k, float* v) = 0;
  // x: [n, hidden] += att: [n, q_dim] o_proj^T (the residual add fused).
  virtual void attn_out(int layer, const float* att, int64_t n, float* x) = 0;
  // x += down(silu(xn gate^T) * (xn up^T)); h: [n, intermediate] scratch.
  virtual void mlp(int layer, const float* xn, int64_t n, float* h, float* x) = 0;
  // logits: [n, vocab] = xn: [n, hidden] lm_head^T.
  virtual void lm_head(const float* xn, int64_t n, float* logits) = 0;
  // x: [T, n_heads, head_dim] rotated in place at the batch's positions.
  virtual void rope(float* x, const Batch& batch, int n_heads) = 0;

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
