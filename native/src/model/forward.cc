#include "model/forward.h"

#include <stdexcept>

namespace chunkserve {

Forward::Forward(const ModelConfig& cfg, const ModelWeights& weights, std::unique_ptr<ForwardBackend> backend)
    : cfg_(cfg), w_(weights), backend_(std::move(backend)) {}

Forward::~Forward() {
  for (float* p : {x_, xn_, q_, k_, v_, att_, proj_, gate_, up_, last_, logits_})
    if (p != nullptr) backend_->free(p);
}

void Forward::ensure_capacity(int64_t n_tokens, int64_t n_out) {
  auto grow = [&](float*& p, int64_t n) {
    if (p != nullptr) backend_->free(p);
    p = backend_->alloc(n);
  };
  if (n_tokens > cap_tokens_) {
    const int64_t T = n_tokens;
    grow(x_, T * cfg_.hidden);
    grow(xn_, T * cfg_.hidden);
    grow(q_, T * cfg_.q_dim());
    grow(k_, T * cfg_.kv_dim());
    grow(v_, T * cfg_.kv_dim());
    grow(att_, T * cfg_.q_dim());
    grow(proj_, T * cfg_.hidden);
    grow(gate_, T * cfg_.intermediate);
    grow(up_, T * cfg_.intermediate);
    cap_tokens_ = T;
  }
  if (n_out > cap_out_) {
    grow(last_, n_out * cfg_.hidden);
    grow(logits_, n_out * cfg_.vocab);
    cap_out_ = n_out;
  }
}

void Forward::run(KvCache& cache, DecodePlan& plan, const std::vector<ForwardItem>& decode,
                  const std::vector<ForwardItem>& prefill, const std::vector<bool>& want_logits,
                  const std::vector<int32_t>& tokens, std::vector<float>& logits) {
  const int64_t n_dec = static_cast<int64_t>(decode.size());
  int64_t T = n_dec;
  int64_t n_out = n_dec;
  for (size_t i = 0; i < prefill.size(); ++i) {
    T += prefill[i].n;
    if (want_logits[i]) ++n_out;
  }
  if (static_cast<int64_t>(tokens.size()) != T) throw std::logic_error("forward: token count does not match the items");
  for (int32_t t : tokens)
    if (t < 0 || t >= cfg_.vocab) throw std::invalid_argument("token id " + std::to_string(t) + " is outside the vocabulary");
  if (T == 0) return;
  ensure_capacity(T, n_out);

  const int H = cfg_.hidden, QD = cfg_.q_dim();
  std::vector<ForwardItem> items = decode;  // all items in row order: decode rows first
  items.insert(items.end(), prefill.begin(), prefill.end());
  std::vector<int32_t> positions(T);  // [T]
  std::vector<SeqId> decode_seqs(n_dec);
  {
    int64_t row = 0;
    for (const ForwardItem& it : items)
      for (int32_t j = 0; j < it.n; ++j) positions[row++] = it.pos0 + j;
    for (int64_t b = 0; b < n_dec; ++b) decode_seqs[b] = decode[b].seq;
  }

  ForwardBackend& be = *backend_;
  be.embed(w_.embed, tokens.data(), T, x_);
  for (int l = 0; l < cfg_.n_layers; ++l) {
    const LayerWeights& L = w_.layers[l];
    // Attention block: x += o_proj(attn(rope(q), rope(k), v)) of rms_norm(x).
    be.rms_norm(x_, L.attn_norm.data(), T, H, cfg_.rms_eps, xn_);
    be.linear_qkv(xn_, T, L, q_, k_, v_);
    be.rope(q_, T, cfg_.n_heads, positions.data());
    be.rope(k_, T, cfg_.n_kv_heads, positions.data());
    be.store_kv(cache, items, l, k_, v_);
    if (n_dec > 0) be.decode_attention(cache, plan, decode_seqs, l, cfg_.n_heads, q_, att_);
    int64_t row = n_dec;
    for (const ForwardItem& it : prefill) {
      be.prefill_attention(cache, it, l, cfg_.n_heads, q_ + row * QD, att_ + row * QD);
      row += it.n;
    }
    be.linear(att_, T, L.wo, nullptr, proj_);
    be.add(x_, proj_, T * H);
    // MLP block: x += down(silu(gate(h)) * up(h)), h = rms_norm(x).
    be.rms_norm(x_, L.mlp_norm.data(), T, H, cfg_.rms_eps, xn_);
    be.gate_up_swiglu(xn_, T, L, up_, gate_);
    be.linear(gate_, T, L.w_down, nullptr, proj_);
    be.add(x_, proj_, T * H);
  }

  // Final norm and lm_head only for the rows whose next token is wanted.
  std::vector<int64_t> out_rows;  // [n_out] row of x_ for each logits row
  for (int64_t b = 0; b < n_dec; ++b) out_rows.push_back(b);
  int64_t row = n_dec;
  for (size_t i = 0; i < prefill.size(); ++i) {
    row += prefill[i].n;
    if (want_logits[i]) out_rows.push_back(row - 1);
  }
  for (size_t o = 0; o < out_rows.size(); ++o)
    be.rms_norm(x_ + out_rows[o] * H, w_.final_norm.data(), 1, H, cfg_.rms_eps, last_ + o * H);
  logits.resize(static_cast<size_t>(n_out) * cfg_.vocab);
  if (n_out == 0) return;
  be.linear(last_, n_out, w_.lm_head, nullptr, logits_);
  be.download(logits.data(), logits_, n_out * cfg_.vocab);
}

}  // namespace chunkserve
