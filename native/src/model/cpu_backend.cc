// The CPU backend: host memory, its own thread pool, the packed GEMM (model/gemm.h) over weights
// repacked at load, and the engine core's attention kernels reading the chunk pool directly.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "attention/attend_kernels.h"
#include "attention/prefill_attention.h"
#include "common/thread_pool.h"
#include "model/backend.h"
#include "model/gemm.h"
#include "model/layer_ops.h"

namespace chunkserve {
namespace {

// One layer's matrices in the GEMM's panel layout.
struct PackedLayer {
  PackedMatrix wq, wk, wv, wo;
  PackedMatrix gate_up;  // gate and up, pair-interleaved (the SwiGLU epilogue)
  PackedMatrix down;
  const LayerWeights* src = nullptr;  // biases
};

class CpuBackend final : public Backend {
 public:
  CpuBackend(const ModelConfig& cfg, int threads) : cfg_(cfg), rope_(cfg), pool_(threads) {
    if (attend_kernels(cfg.head_dim, DType::F32) == nullptr)
      throw std::invalid_argument("head_dim " + std::to_string(cfg.head_dim) +
                                  " is not supported by the CPU attention kernels (64, 80, 96, 128, 256)");
  }
  DeviceKind device() const override { return DeviceKind::Cpu; }
  int threads() const override { return pool_.size(); }

  std::unique_ptr<ChunkStorage> make_chunk_storage(const ChunkLayout& layout, size_t pool_bytes) override {
    return std::make_unique<HostChunkStorage>(layout, pool_bytes);
  }

  void load_weights(const ModelWeights& w) override {
    const int nr = gemm_kernels().nr;
    w_ = &w;
    layers_.clear();
    layers_.reserve(w.layers.size());
    for (const LayerWeights& L : w.layers) {
      PackedLayer p;
      p.wq = pack_matrix(L.wq, nr, pool_);
      p.wk = pack_matrix(L.wk, nr, pool_);
      p.wv = pack_matrix(L.wv, nr, pool_);
      p.wo = pack_matrix(L.wo, nr, pool_);
      p.gate_up = pack_pairs(L.w_gate, L.w_up, nr, pool_);
      p.down = pack_matrix(L.w_down, nr, pool_);
      p.src = &L;
      layers_.push_back(std::move(p));
    }
    lm_head_ = pack_matrix(w.lm_head, nr, pool_);
  }

  float* alloc(int64_t n) override { return new float[n](); }
  void free(float* p) override { delete[] p; }
  void download(float* dst, const float* src, int64_t n) override { std::memcpy(dst, src, n * sizeof(float)); }

  void embed(const Batch& batch, float* x) override {
    const WeightMatrix& table = w_->embed;
    const int64_t H = table.cols;
    const char* base = static_cast<const char*>(table.data);
    const size_t row_bytes = H * dtype_size(table.dtype);
    const std::vector<int32_t>& tokens = batch.tokens();
    for (size_t t = 0; t < tokens.size(); ++t)
      load_as_float(table.dtype, base + static_cast<size_t>(tokens[t]) * row_bytes, x + t * H, static_cast<size_t>(H));
  }
  void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) override {
    chunkserve::rms_norm(x, weight, n, dim, eps, y);
  }
  void attn_qkv(int layer, const float* xn, int64_t n, float* q, float* k, float* v) override {
    const PackedLayer& L = layers_[layer];
    auto bias = [](const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); };
    const GemmJob jobs[3] = {{&L.wq, GemmMode::Store, q, cfg_.q_dim(), bias(L.src->bq), nullptr},
                             {&L.wk, GemmMode::Store, k, cfg_.kv_dim(), bias(L.src->bk), nullptr},
                             {&L.wv, GemmMode::Store, v, cfg_.kv_dim(), bias(L.src->bv), nullptr}};
    gemm(xn, n, jobs, 3, pool_);
  }
  void attn_out(int layer, const float* att, int64_t n, float* x) override {
    const GemmJob job{&layers_[layer].wo, GemmMode::Accumulate, x, cfg_.hidden, nullptr, nullptr};
    gemm(att, n, &job, 1, pool_);
  }
  void mlp(int layer, const float* xn, int64_t n, float* h, float* x) override {
    const PackedLayer& L = layers_[layer];
    swiglu_scratch_.resize(static_cast<size_t>(n) * gemm_swiglu_scratch_cols(L.gate_up));
    const GemmJob up{&L.gate_up, GemmMode::SwiGLU, h, cfg_.intermediate, nullptr, swiglu_scratch_.data()};
    gemm(xn, n, &up, 1, pool_);
    const GemmJob down{&L.down, GemmMode::Accumulate, x, cfg_.hidden, nullptr, nullptr};
    gemm(h, n, &down, 1, pool_);
  }
  void lm_head(const float* xn, int64_t n, float* logits) override {
    const GemmJob job{&lm_head_, GemmMode::Store, logits, cfg_.vocab, nullptr, nullptr};
    gemm(xn, n, &job, 1, pool_);
  }
  void rope(float* x, const Batch& batch, int n_heads) override {
    rope_.apply(x, batch.n_rows(), n_heads, batch.positions().data());
  }

  void store_kv(KvCache& cache, const Batch& batch, int layer, const float* k, const float* v) override {
    const int64_t kvd = cfg_.kv_dim();
    for (const BatchSpan& s : batch.spans())
      cache.store_kv_rows(s.seq, s.pos0, s.n, layer, k + s.row0 * kvd, v + s.row0 * kvd);
  }
  void decode_attention(const KvCache& cache, DecodePlan& plan, const Batch& batch, int layer, int n_heads,
                        const float* q, float* out) override {
    plan.set_segment_policy(cpu_segment_policy(cache.config().n_kv_heads, pool_.size()));
    chunkserve::decode_attention(cache, plan, batch.decode_seqs(), layer, n_heads, q, out, &pool_);
  }
  void prefill_attention(const KvCache& cache, const BatchSpan& span, int layer, int n_heads, const float* q,
                         float* out) override {
    chunkserve::prefill_attention(cache, span.seq, layer, span.pos0, span.n, n_heads, q, out, &pool_);
  }

 private:
  ModelConfig cfg_;
  Rope rope_;
  ThreadPool pool_;
  const ModelWeights* w_ = nullptr;
  std::vector<PackedLayer> layers_;        // [n_layers]
  PackedMatrix lm_head_;
  std::vector<float> swiglu_scratch_;      // [T][gate_up panels x nr] partial sums between K blocks
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const ModelConfig& cfg, int threads) {
  return std::make_unique<CpuBackend>(cfg, threads);
}

}  // namespace chunkserve
