// The seam between the decoder's control flow (model/forward.cc) and the device that computes it.
// Every pointer an op receives is backend memory from alloc(); the CPU backend uses host memory,
// a CUDA backend would implement the same ops with its own kernels over device memory and the
// same chunk pool layout (cache/chunk_layout.h).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "attention/decode_attention.h"
#include "cache/kv_cache.h"
#include "model/linear.h"
#include "model/model_config.h"
#include "model/model_weights.h"

namespace chunkserve {

// One sequence's share of a forward step: tokens [pos0, pos0 + n) of sequence seq.
struct ForwardItem {
  SeqId seq = -1;
  int32_t pos0 = 0;
  int32_t n = 0;
};

class ForwardBackend {
 public:
  virtual ~ForwardBackend() = default;
  virtual const char* name() const = 0;

  // Activation buffer of n floats (backend memory), zero-initialised.
  virtual float* alloc(int64_t n) = 0;
  virtual void free(float* p) = 0;
  // Host <-> backend copies (the CPU backend copies host memory).
  virtual void upload(float* dst, const float* src, int64_t n) = 0;
  virtual void download(float* dst, const float* src, int64_t n) = 0;

  // x: [n, hidden] = embed rows of tokens: [n] (host array).
  virtual void embed(const WeightMatrix& table, const int32_t* tokens, int64_t n, float* x) = 0;
  virtual void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) = 0;
  // y: [n, w.rows] = x: [n, w.cols] w^T (+ bias: [w.rows] host, may be null)
  virtual void linear(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y) = 0;
  // q, k, v projections of the same input at once (biases may be null).
  virtual void linear_qkv(const float* x, int64_t n, const LayerWeights& L, float* q, float* k, float* v) = 0;
  // h: [n, inter] = silu(x w_gate^T) * (x w_up^T); up: [n, inter] scratch.
  virtual void gate_up_swiglu(const float* x, int64_t n, const LayerWeights& L, float* up, float* h) = 0;
  // x: [n, n_heads, head_dim] rotated in place at positions: [n] (host array).
  virtual void rope(float* x, int64_t n, int n_heads, const int32_t* positions) = 0;
  virtual void add(float* x, const float* y, int64_t n) = 0;

  // Stores K/V rows k, v: [sum n, kv_dim] of the items (in item order) into the cache for layer.
  virtual void store_kv(KvCache& cache, const std::vector<ForwardItem>& items, int layer,
                        const float* k, const float* v) = 0;
  // Decode: q, out: [seqs.size(), n_heads, head_dim], one query per sequence.
  virtual void decode_attention(const KvCache& cache, DecodePlan& plan, const std::vector<SeqId>& seqs,
                                int layer, int n_heads, const float* q, float* out) = 0;
  // Prefill of one item: q, out: [item.n, n_heads, head_dim], causal over [0, pos0 + n).
  virtual void prefill_attention(const KvCache& cache, const ForwardItem& item, int layer, int n_heads,
                                 const float* q, float* out) = 0;
};

std::unique_ptr<ForwardBackend> make_cpu_backend(const ModelConfig& cfg);

// A device backend together with the chunk pool it computes on (device memory for a GPU).
struct DeviceBackend {
  std::unique_ptr<ForwardBackend> forward;
  std::unique_ptr<ChunkStorage> storage;  // null: host memory (HostChunkStorage)
};
// A GPU backend registers its factory here from its own translation unit (a static registrar),
// so the model runtime needs no #ifdef. Null when this build has none.
using DeviceBackendFactory = DeviceBackend (*)(const ModelConfig& cfg, const KvCacheConfig& kv);
DeviceBackendFactory& cuda_backend_factory();

}  // namespace chunkserve
