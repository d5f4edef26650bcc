#include "model/forward.h"

#include <stdexcept>
#include <string>

namespace chunkserve {

Forward::Forward(const ModelConfig& cfg, const ModelWeights& weights, Backend& backend)
    : cfg_(cfg), w_(weights), be_(backend) {}

Forward::~Forward() {
  for (float* p : {x_, xn_, q_, k_, v_, att_, h_, last_, logits_})
    if (p != nullptr) be_.free(p);
}

void Forward::ensure_capacity(int64_t n_rows, int64_t n_logits) {
  auto grow = [&](float*& p, int64_t n) {
    if (p != nullptr) be_.free(p);
    p = be_.alloc(n);
  };
  if (n_rows > cap_rows_) {
    const int64_t T = n_rows;
    grow(x_, T * cfg_.hidden);
    grow(xn_, T * cfg_.hidden);
    grow(q_, T * cfg_.q_dim());
    grow(k_, T * cfg_.kv_dim());
    grow(v_, T * cfg_.kv_dim());
    grow(att_, T * cfg_.q_dim());
    grow(h_, T * cfg_.intermediate);
    cap_rows_ = T;
  }
  if (n_logits > cap_logits_) {
    grow(last_, n_logits * cfg_.hidden);
    grow(logits_, n_logits * cfg_.vocab);
    cap_logits_ = n_logits;
  }
}

void Forward::run(KvCache& cache, DecodePlan& plan, const Batch& batch, std::vector<float>& logits) {
  const int64_t T = batch.n_rows(), n_dec = batch.n_decode(), n_out = batch.n_logits();
  for (int32_t t : batch.tokens())
    if (t < 0 || t >= cfg_.vocab) throw std::invalid_argument("token id " + std::to_string(t) + " is outside the vocabulary");
  logits.resize(static_cast<size_t>(n_out) * cfg_.vocab);
  if (T == 0) return;
  ensure_capacity(T, n_out);

  const int H = cfg_.hidden, QD = cfg_.q_dim();
  be_.embed(batch, x_);
  for (int l = 0; l < cfg_.n_layers; ++l) {
    const LayerWeights& L = w_.layers[l];
    // Attention block: x += o_proj(attn(rope(q), rope(k), v)) of rms_norm(x).
    be_.rms_norm(x_, L.attn_norm.data(), T, H, cfg_.rms_eps, xn_);
    be_.attn_qkv(l, xn_, T, q_, k_, v_);
    be_.rope(q_, batch, cfg_.n_heads);
    be_.rope(k_, batch, cfg_.n_kv_heads);
    be_.store_kv(cache, batch, l, k_, v_);
    if (n_dec > 0) be_.decode_attention(cache, plan, batch, l, cfg_.n_heads, q_, att_);
    for (const BatchSpan& s : batch.spans())
      if (s.row0 >= n_dec) be_.prefill_attention(cache, s, l, cfg_.n_heads, q_ + s.row0 * QD, att_ + s.row0 * QD);
    be_.attn_out(l, att_, T, x_);
    // MLP block: x += down(silu(gate(xn)) * up(xn)), xn = rms_norm(x).
    be_.rms_norm(x_, L.mlp_norm.data(), T, H, cfg_.rms_eps, xn_);
    be_.mlp(l, xn_, T, h_, x_);
  }

  // Final norm and lm_head only for the rows whose next token is wanted.
  if (n_out == 0) return;
  const std::vector<int32_t>& rows = batch.logits_rows();
  for (int64_t o = 0; o < n_out; ++o)
    be_.rms_norm(x_ + static_cast<int64_t>(rows[o]) * H, w_.final_norm.data(), 1, H, cfg_.rms_eps, last_ + o * H);
  be_.lm_head(last_, n_out, logits_);
  be_.download(logits.data(), logits_, n_out * cfg_.vocab);
}

}  // namespace chunkserve
