#include "cuda/cuda_weights.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "cuda/cuda_error.h"
#include "cuda/cuda_layers.h"
#include "model/layer_ops.h"

namespace chunkserve {

namespace {

constexpr size_t kStagingBytes = size_t(64) << 20;

void check_width(const char* what, int64_t cols) {
  if (cols % 8 != 0)
    throw std::invalid_argument(std::string("CUDA backend: ") + what + " has " + std::to_string(cols) +
                                " columns; the GEMMs need a multiple of 8");
}

}  // namespace

size_t CudaWeights::device_bytes(const ModelConfig& c) {
  const size_t H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, V = c.vocab;
  const size_t per_layer = H * (Q + 2 * KV) + H * Q + 2 * F * H + F * H;
  const size_t matrices = V * H * (c.tie_embeddings ? 1 : 2) + c.n_layers * per_layer;
  const size_t vectors = (2 * c.n_layers + 1) * H + (c.qkv_bias ? c.n_layers * (Q + 2 * KV) : 0);
  return 2 * matrices + 4 * vectors + 8 * (c.head_dim / 2);
}

void* CudaWeights::alloc(size_t bytes) {
  buffers_.emplace_back(bytes);
  bytes_ += bytes;
  return buffers_.back().get();
}

const float* CudaWeights::upload_floats(const std::vector<float>& v) {
  void* p = alloc(v.size() * sizeof(float));
  buffers_.back().upload(v.data(), v.size() * sizeof(float));
  return static_cast<const float*>(p);
}

void CudaWeights::put_rows(void* dst, int64_t row_step, const WeightMatrix& m) {
  const size_t out_row_bytes = static_cast<size_t>(row_step) * 2, cols = static_cast<size_t>(m.cols);
  if (m.dtype == dtype_) {  // straight from the (mapped) checkpoint, one strided copy
    cuda_check(cudaMemcpy2D(dst, out_row_bytes, m.data, cols * 2, cols * 2, static_cast<size_t>(m.rows), cudaMemcpyHostToDevice),
               "weight upload");
    return;
  }
  converted_ = true;
  const size_t in_row_bytes = cols * dtype_size(m.dtype);
  if (staging_.bytes() == 0) staging_.reserve(kStagingBytes);
  const int64_t piece = std::max<int64_t>(1, static_cast<int64_t>(kStagingBytes / in_row_bytes));
  for (int64_t r0 = 0; r0 < m.rows; r0 += piece) {
    const int64_t n = std::min(piece, m.rows - r0);
    staging_.upload(static_cast<const char*>(m.data) + r0 * in_row_bytes, n * in_row_bytes);
    cuda_convert_rows(staging_.get(), m.dtype, n, static_cast<int>(cols), dtype_,
                      static_cast<char*>(dst) + r0 * out_row_bytes, row_step);
  }
  cuda_synchronize("weight conversion");  // the staging buffer is refilled next
}

CudaWeights::CudaWeights(const ModelConfig& cfg, const ModelWeights& w) {
  dtype_ = w.embed.dtype == DType::F16 ? DType::F16 : DType::BF16;
  const int64_t H = cfg.hidden, Q = cfg.q_dim(), KV = cfg.kv_dim(), F = cfg.intermediate, V = cfg.vocab;
  check_width("hidden_size", H);
  check_width("the attention width (heads x head_dim)", Q);
  check_width("intermediate_size", F);
  auto matrix = [&](int64_t rows, int64_t cols) { return alloc(static_cast<size_t>(rows * cols) * 2); };

  void* embed = matrix(V, H);
  put_rows(embed, H, w.embed);
  embed_ = embed;
  if (w.lm_head.data == w.embed.data) {
    lm_head_ = embed_;
  } else {
    void* head = matrix(V, H);
    put_rows(head, H, w.lm_head);
    lm_head_ = head;
  }
  for (const LayerWeights& L : w.layers) {
    CudaLayerWeights d;
    char* qkv = static_cast<char*>(matrix(Q + 2 * KV, H));
    put_rows(qkv, H, L.wq);
    put_rows(qkv + Q * H * 2, H, L.wk);
    put_rows(qkv + (Q + KV) * H * 2, H, L.wv);
    d.qkv = qkv;
    void* o = matrix(H, Q);
    put_rows(o, Q, L.wo);
    d.o = o;
    char* gate_up = static_cast<char*>(matrix(2 * F, H));
    put_rows(gate_up, 2 * H, L.w_gate);
    put_rows(gate_up + H * 2, 2 * H, L.w_up);
    d.gate_up = gate_up;
    void* down = matrix(H, F);
    put_rows(down, F, L.w_down);
    d.down = down;
    if (cfg.qkv_bias) {
      std::vector<float> bias(L.bq);
      bias.insert(bias.end(), L.bk.begin(), L.bk.end());
      bias.insert(bias.end(), L.bv.begin(), L.bv.end());
      d.qkv_bias = upload_floats(bias);
    }
    norms_[L.attn_norm.data()] = upload_floats(L.attn_norm);
    norms_[L.mlp_norm.data()] = upload_floats(L.mlp_norm);
    layers_.push_back(d);
  }
  norms_[w.final_norm.data()] = upload_floats(w.final_norm);
  const Rope rope(cfg);
  const std::vector<double>& f = rope.inv_freq();
  void* inv = alloc(f.size() * sizeof(double));
  buffers_.back().upload(f.data(), f.size() * sizeof(double));
  inv_freq_ = static_cast<const double*>(inv);
  staging_ = DeviceBuffer();
  cuda_synchronize("weight upload");
}

const float* CudaWeights::norm(const float* host) const {
  auto it = norms_.find(host);
  if (it == norms_.end()) throw std::logic_error("CUDA backend: rms_norm weight is not one of the model's norm vectors");
  return it->second;
}

}  // namespace chunkserve
