// The CUDA backend: the ops of model/forward.cc on the GPU (see cuda_backend.h for what runs
// where). Everything is issued on the default stream, in order: host-to-device copies of the
// per-step tables are ordered with the kernels that read them, and the logits' download waits
// for the step.
//
// A step's tables are built once and used by every layer. embed() starts a step (Forward calls
// it first); the first store_kv() of a step uploads the prefill rows' slots and each prefill
// span's attention plan, the first decode_attention() prepares the TPP decoder (plan upload
// only when the tree changed; otherwise the lengths alone).
#include <cuda_runtime.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_chunk_storage.h"
#include "cuda/cuda_device.h"
#include "cuda/cuda_error.h"
#include "cuda/cuda_gemm.h"
#include "cuda/cuda_layers.h"
#include "cuda/cuda_weights.h"
#include "cuda/kv_store_kernels.cuh"
#include "cuda/prefill_rows.h"
#include "cuda/tpp_decoder.h"
#include "cuda/tpp_plan_buffer.h"
#include "cuda/tpp_pool_args.h"

namespace chunkserve {

namespace {

constexpr uint64_t kNoStep = ~uint64_t{0};

// One prefill span of the current step: its attention plan on the device.
struct PrefillSpan {
  int32_t row0 = 0;
  TppPlanBuffer plan;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(const ModelConfig& cfg) : cfg_(cfg) {
    std::string why;
    if (cuda_device_count(&why) == 0) throw std::runtime_error("no usable CUDA device: " + why);
    decoder_ = std::make_unique<CudaTppDecoder>();
  }
  ~CudaBackend() override {
    for (void* p : allocations_) cudaFree(p);
  }

  DeviceKind device() const override { return DeviceKind::Cuda; }
  int threads() const override { return 1; }

  std::unique_ptr<ChunkStorage> make_chunk_storage(const ChunkLayout& layout, size_t pool_bytes) override {
    check_tpp_shape(layout, cfg_.n_heads);
    auto storage = std::make_unique<CudaChunkStorage>(layout, pool_bytes);
    pool_ = storage.get();
    return storage;
  }

  void load_weights(const ModelWeights& w) override {
    weights_ = std::make_unique<CudaWeights>(cfg_, w);
    if (weights_->converted())
      std::fprintf(stderr, "chunkserve: CUDA backend: weights converted to %s at load (%.2f GB on the GPU)\n",
                   dtype_name(weights_->dtype()), weights_->bytes() / 1e9);
  }

  float* alloc(int64_t n) override {
    void* p = nullptr;
    cuda_check(cudaMalloc(&p, std::max<int64_t>(n, 1) * sizeof(float)), "activation cudaMalloc");
    allocations_.push_back(p);
    cuda_check(cudaMemset(p, 0, std::max<int64_t>(n, 1) * sizeof(float)), "activation memset");
    return static_cast<float*>(p);
  }
  void free(float* p) override {
    for (size_t i = 0; i < allocations_.size(); ++i)
      if (allocations_[i] == p) {
        allocations_.erase(allocations_.begin() + static_cast<int64_t>(i));
        cuda_check(cudaFree(p), "activation cudaFree");
        return;
      }
  }
  void download(float* dst, const float* src, int64_t n) override {
    cuda_check(cudaMemcpy(dst, src, n * sizeof(float), cudaMemcpyDeviceToHost), "logits download");
  }

  void embed(const Batch& batch, float* x) override {
    ++step_;
    // [tokens T | positions T]: embed reads the first half, rope the second.
    const int64_t T = batch.n_rows();
    std::vector<int32_t> io(batch.tokens());
    io.insert(io.end(), batch.positions().begin(), batch.positions().end());
    step_io_.reserve(io.size() * sizeof(int32_t));
    step_io_.upload(io.data(), io.size() * sizeof(int32_t));
    cuda_embed(weights_->dtype(), weights_->embed(), tokens_dev(), T, cfg_.hidden, x);
  }
  void rms_norm(const float* x, const float* weight, int64_t n, int dim, float eps, float* y) override {
    cuda_rms_norm(x, weights_->norm(weight), n, dim, eps, y);
  }
  void attn_qkv(int layer, const float* xn, int64_t n, float* q, float* k, float* v) override {
    const CudaLayerWeights& L = weights_->layer(layer);
    gemm::GemmOut o;
    o.out[0] = q, o.out[1] = k, o.out[2] = v;
    o.cols[0] = cfg_.q_dim(), o.cols[1] = cfg_.kv_dim(), o.cols[2] = cfg_.kv_dim();
    o.bias = L.qkv_bias;
    matmul(xn, n, L.qkv, cfg_.q_dim() + 2 * cfg_.kv_dim(), cfg_.hidden, o);
  }
  void attn_out(int layer, const float* att, int64_t n, float* x) override {
    matmul(att, n, weights_->layer(layer).o, cfg_.hidden, cfg_.q_dim(), single(gemm::Epilogue::Accumulate, x, cfg_.hidden));
  }
  void mlp(int layer, const float* xn, int64_t n, float* h, float* x) override {
    const CudaLayerWeights& L = weights_->layer(layer);
    matmul(xn, n, L.gate_up, 2 * cfg_.intermediate, cfg_.hidden, single(gemm::Epilogue::SwiGLU, h, cfg_.intermediate));
    matmul(h, n, L.down, cfg_.hidden, cfg_.intermediate, single(gemm::Epilogue::Accumulate, x, cfg_.hidden));
  }
  void lm_head(const float* xn, int64_t n, float* logits) override {
    matmul(xn, n, weights_->lm_head(), cfg_.vocab, cfg_.hidden, single(gemm::Epilogue::Store, logits, cfg_.vocab));
  }
  void rope(float* x, const Batch& batch, int n_heads) override {
    cuda_rope(x, tokens_dev() + batch.n_rows(), weights_->inv_freq(), batch.n_rows(), n_heads, cfg_.head_dim);
  }

  void store_kv(KvCache& cache, const Batch& batch, int layer, const float* k, const float* v) override {
    if (prefill_step_ != step_) plan_prefill(cache, batch);
    if (n_prefill_rows_ > 0) {
      const TppKernelArgs a = tpp_pool_args(*pool_, layer, cfg_.n_heads);
      const ChunkLayout& L = pool_->layout();
      const dim3 grid(n_prefill_rows_, L.n_kv_heads);
      const auto* rows = static_cast<const int32_t*>(prefill_slots_.get());
      if (L.dtype == DType::F16)
        store_slots_kernel<__half><<<grid, 128>>>(static_cast<__half*>(pool_->device_base()), a.chunk_elems,
                                                  a.layer_offset, L.chunk_size, L.head_dim, L.n_kv_heads, rows,
                                                  rows + n_prefill_rows_, k, v);
      else
        store_slots_kernel<__nv_bfloat16><<<grid, 128>>>(static_cast<__nv_bfloat16*>(pool_->device_base()),
                                                         a.chunk_elems, a.layer_offset, L.chunk_size, L.head_dim,
                                                         L.n_kv_heads, rows, rows + n_prefill_rows_, k, v);
      cuda_check(cudaGetLastError(), "store_slots_kernel launch");
    }
    // Decode rows (the first n_decode rows) are appended by the decoder, which knows each
    // sequence's tail slot from the lengths it uploads: decode_attention does it.
    pending_k_ = k, pending_v_ = v, pending_layer_ = layer;
  }

  void decode_attention(const KvCache& cache, DecodePlan& plan, const Batch& batch, int layer, int n_heads,
                        const float* q, float* out) override {
    if (pending_layer_ != layer) throw std::logic_error("CUDA backend: decode_attention before store_kv of its layer");
    if (decode_step_ != step_) {
      plan.set_segment_policy(decoder_->policy(cache.layout(), n_heads));
      const DecodeWorkList& work = plan.prepare(cache, batch.decode_seqs());
      decoder_->prepare(work, cache.layout(), n_heads);
      decode_step_ = step_;
    }
    decoder_->append_kv(*pool_, layer, pending_k_, pending_v_);
    decoder_->decode(*pool_, layer, q, out);
  }

  void prefill_attention(const KvCache& cache, const BatchSpan& span, int layer, int n_heads, const float* q,
                         float* out) override {
    const PrefillSpan* s = nullptr;
    for (size_t i = 0; i < n_prefill_spans_; ++i)
      if (prefill_spans_[i].row0 == span.row0) s = &prefill_spans_[i];
    if (prefill_step_ != step_ || s == nullptr)
      throw std::logic_error("CUDA backend: prefill_attention for a span store_kv did not see this step");
    TppKernelArgs a = tpp_pool_args(*pool_, layer, n_heads);
    a.pieces = s->plan.seq_first();
    a.refs = s->plan.refs();
    a.q_row = s->plan.q_row();
    a.q = q;
    a.out = out;
    a.q_pos0 = span.pos0;
    const ChunkLayout& L = pool_->layout();
    cuda_check(static_cast<cudaError_t>(launch_tpp_tiles(L.dtype, L.head_dim, TppMode::FinalPrefill, a, 1,
                                                         tpp_row_blocks(span.n * a.group), false, nullptr)),
               "TPP prefill launch");
  }

 private:
  const int32_t* tokens_dev() const { return static_cast<const int32_t*>(step_io_.get()); }

  static gemm::GemmOut single(gemm::Epilogue mode, float* out, int cols) {
    gemm::GemmOut o;
    o.mode = mode;
    o.out[0] = out;
    o.cols[0] = cols;
    return o;
  }

  void matmul(const float* x, int64_t M, const void* w, int N, int K, const gemm::GemmOut& o) {
    if (M > gemm::kSkinnyMaxRows) x16_.reserve(static_cast<size_t>(M) * K * 2);  // the tiled kernel's 16-bit x
    cuda_gemm(weights_->dtype(), x, x16_.get(), M, w, N, K, o);
  }

  // The step's prefill rows (prefill_rows.h) and each prefill span's causal attention plan over
  // its chunks, uploaded once for every layer.
  void plan_prefill(const KvCache& cache, const Batch& batch) {
    PrefillRows p = prefill_rows(cache, batch);
    n_prefill_spans_ = 0;
    for (const BatchSpan* s : p.spans) {
      if (n_prefill_spans_ == prefill_spans_.size()) prefill_spans_.emplace_back();
      PrefillSpan& ps = prefill_spans_[n_prefill_spans_++];
      ps.row0 = s->row0;
      ps.plan.upload(build_tpp_prefill_plan(cache.seq_chunks(s->seq), cache.layout(), cfg_.n_heads, s->pos0, s->n));
    }
    n_prefill_rows_ = static_cast<int>(p.rows.size());
    p.rows.insert(p.rows.end(), p.slots.begin(), p.slots.end());  // [rows n | slots n]
    if (!p.rows.empty()) {
      prefill_slots_.reserve(p.rows.size() * sizeof(int32_t));
      prefill_slots_.upload(p.rows.data(), p.rows.size() * sizeof(int32_t));
    }
    prefill_step_ = step_;
  }

  ModelConfig cfg_;
  std::unique_ptr<CudaWeights> weights_;
  std::unique_ptr<CudaTppDecoder> decoder_;
  CudaChunkStorage* pool_ = nullptr;  // owned by the KvCache
  std::vector<void*> allocations_;    // alloc()'s buffers
  DeviceBuffer x16_;                  // [M][K] 16-bit GEMM input (tiled kernel)

  uint64_t step_ = 0;                 // forward steps begun (embed calls)
  DeviceBuffer step_io_;              // [tokens T | positions T] of the step
  uint64_t prefill_step_ = kNoStep;   // the step plan_prefill ran for
  DeviceBuffer prefill_slots_;        // [rows n | slots n] of the step's prefill rows
  int n_prefill_rows_ = 0;
  std::vector<PrefillSpan> prefill_spans_;  // [n_prefill_spans_] used of it (plans kept for reuse)
  size_t n_prefill_spans_ = 0;
  uint64_t decode_step_ = kNoStep;    // the step the decoder was prepared for
  const float* pending_k_ = nullptr;  // this layer's K/V rows from store_kv: [T][kv_dim]
  const float* pending_v_ = nullptr;
  int pending_layer_ = -1;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(const ModelConfig& cfg) { return std::make_unique<CudaBackend>(cfg); }

KvCacheConfig cuda_kv_config(const KvCacheConfig& requested, const ModelConfig& cfg) {
  KvCacheConfig kv = requested;
  if (kv.dtype == DType::F32) kv.dtype = DType::BF16;
  if (kv.pool_bytes == 0) {
    size_t free_bytes = 0, total = 0;
    cuda_check(cudaMemGetInfo(&free_bytes, &total), "cudaMemGetInfo");
    const size_t need = CudaWeights::device_bytes(cfg) + kCudaActivationReserve;
    if (free_bytes <= need)
      throw std::runtime_error("the GPU has " + std::to_string(free_bytes >> 20) + " MiB free, the model's weights and activations need " +
                               std::to_string(need >> 20) + " MiB");
    kv.pool_bytes = static_cast<size_t>(kCudaKvFreeFraction * static_cast<double>(free_bytes - need));
  }
  return kv;
}

}  // namespace chunkserve
