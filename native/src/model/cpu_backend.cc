// The CPU backend: host memory, its own thread pool, SIMD matmuls, and the engine core's
// attention kernels reading the chunk pool directly.
#include <cstring>
#include <stdexcept>
#include <string>

#include "attention/attend_kernels.h"
#include "attention/prefill_attention.h"
#include "common/thread_pool.h"
#include "model/backend.h"
#include "model/layer_ops.h"

namespace chunkserve {
namespace {

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

  float* alloc(int64_t n) override { return new float[n](); }
  void free(float* p) override { delete[] p; }
  void download(float* dst, const float* src, int64_t n) override { std::memcpy(dst, src, n * sizeof(float)); }

  void embed(const WeightMatrix& table, const Batch& batch, float* x) override {
    const int64_t H = table.cols;
    const char* base = static_cast<const char*>(table.data);
    const size_t row_bytes = H * dtype_size(table.dtype);
    const std::vector<int32_t>& tokens = batch.tokens();
    for (size_t t = 0; t < tokens.size(); ++t) {
      const char* row = base + static_cast<size_t>(tokens[t]) * row_bytes;
      for (int64_t i = 0; i < H; ++i) x[t * H + i] = load_float(table.dtype, row, i);
    }
  }
  void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) override {
    chunkserve::rms_norm(x, weight, n, dim, eps, y);
  }
  void linear(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y) override {
    chunkserve::linear(x, n, w, bias, y, pool_);
  }
  void rope(float* x, const Batch& batch, int n_heads) override {
    rope_.apply(x, batch.n_rows(), n_heads, batch.positions().data());
  }
  void linear_qkv(const float* x, int64_t n, const LayerWeights& L, float* q, float* k, float* v) override {
    auto bias = [](const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); };
    const LinearOut outs[3] = {{&L.wq, bias(L.bq), q}, {&L.wk, bias(L.bk), k}, {&L.wv, bias(L.bv), v}};
    linear_multi(x, n, outs, 3, pool_);
  }
  void gate_up_swiglu(const float* x, int64_t n, const LayerWeights& L, float* up, float* h) override {
    linear_swiglu(x, n, L.w_gate, L.w_up, up, h, pool_);
  }
  void add(float* x, const float* y, int64_t n) override { add_inplace(x, y, n); }

  void store_kv(KvCache& cache, const Batch& batch, int layer, const float* k, const float* v) override {
    const int64_t kvd = cfg_.kv_dim();
    for (const BatchSpan& s : batch.spans())
      cache.store_kv_rows(s.seq, s.pos0, s.n, layer, k + s.row0 * kvd, v + s.row0 * kvd);
  }
  void decode_attention(const KvCache& cache, DecodePlan& plan, const Batch& batch, int layer, int n_heads,
                        const float* q, float* out) override {
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
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const ModelConfig& cfg, int threads) {
  return std::make_unique<CpuBackend>(cfg, threads);
}

}  // namespace chunkserve
