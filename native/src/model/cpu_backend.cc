// The CPU implementation of the forward pass's ops: host memory, thread pool, SIMD matmuls, and
// the engine core's attention kernels reading the chunk pool directly.
#include <cstring>
#include <vector>

#include "attention/prefill_attention.h"
#include "model/forward_backend.h"
#include "model/layer_ops.h"

namespace chunkserve {
namespace {

class CpuBackend final : public ForwardBackend {
 public:
  explicit CpuBackend(const ModelConfig& cfg) : cfg_(cfg), rope_(cfg) {}
  const char* name() const override { return "cpu"; }

  float* alloc(int64_t n) override { return new float[n](); }
  void free(float* p) override { delete[] p; }
  void upload(float* dst, const float* src, int64_t n) override { std::memcpy(dst, src, n * sizeof(float)); }
  void download(float* dst, const float* src, int64_t n) override { std::memcpy(dst, src, n * sizeof(float)); }

  void embed(const WeightMatrix& table, const int32_t* tokens, int64_t n, float* x) override {
    const int64_t H = table.cols;
    const char* base = static_cast<const char*>(table.data);
    const size_t row_bytes = H * dtype_size(table.dtype);
    for (int64_t t = 0; t < n; ++t) {
      const char* row = base + static_cast<size_t>(tokens[t]) * row_bytes;
      for (int64_t i = 0; i < H; ++i) x[t * H + i] = load_as_f32(row, table.dtype, i);
    }
  }
  void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) override {
    chunkserve::rms_norm(x, weight, n, dim, eps, y);
  }
  void linear(const float* x, int64_t n, const WeightMatrix& w, const float* bias, float* y) override {
    chunkserve::linear(x, n, w, bias, y);
  }
  void rope(float* x, int64_t n, int n_heads, const int32_t* positions) override {
    rope_.apply(x, n, n_heads, positions);
  }
  void linear_qkv(const float* x, int64_t n, const LayerWeights& L, float* q, float* k, float* v) override {
    auto bias = [](const std::vector<float>& b) { return b.empty() ? nullptr : b.data(); };
    const LinearOut outs[3] = {{&L.wq, bias(L.bq), q}, {&L.wk, bias(L.bk), k}, {&L.wv, bias(L.bv), v}};
    linear_multi(x, n, outs, 3);
  }
  void gate_up_swiglu(const float* x, int64_t n, const LayerWeights& L, float* up, float* h) override {
    linear_swiglu(x, n, L.w_gate, L.w_up, up, h);
  }
  void add(float* x, const float* y, int64_t n) override { add_inplace(x, y, n); }

  void store_kv(KvCache& cache, const std::vector<ForwardItem>& items, int layer, const float* k,
                const float* v) override {
    const int64_t kvd = cfg_.kv_dim();
    int64_t row = 0;
    for (const ForwardItem& it : items) {
      cache.store_kv_rows(it.seq, it.pos0, it.n, layer, k + row * kvd, v + row * kvd);
      row += it.n;
    }
  }
  void decode_attention(const KvCache& cache, DecodePlan& plan, const std::vector<SeqId>& seqs, int layer,
                        int n_heads, const float* q, float* out) override {
    chunkserve::decode_attention(cache, plan, seqs, layer, n_heads, q, out);
  }
  void prefill_attention(const KvCache& cache, const ForwardItem& item, int layer, int n_heads, const float* q,
                         float* out) override {
    chunkserve::prefill_attention(cache, item.seq, layer, item.pos0, item.n, n_heads, q, out);
  }

 private:
  ModelConfig cfg_;
  Rope rope_;
};

}  // namespace

std::unique_ptr<ForwardBackend> make_cpu_backend(const ModelConfig& cfg) { return std::make_unique<CpuBackend>(cfg); }

DeviceBackendFactory& cuda_backend_factory() {
  static DeviceBackendFactory factory = nullptr;
  return factory;
}

}  // namespace chunkserve
