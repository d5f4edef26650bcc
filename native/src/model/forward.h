// One forward step of the decoder over a mixed batch: decode items (one new token each, batched
// into TPP/baseline decode attention) and prefill pieces (several prompt tokens of one sequence,
// causal prefill attention over the cached prefix). Every linear layer runs once over all tokens
// of the step, so the weights are read once per step.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "model/forward_backend.h"

namespace chunkserve {

class Forward {
 public:
  Forward(const ModelConfig& cfg, const ModelWeights& weights, std::unique_ptr<ForwardBackend> backend);
  ~Forward();

  // decode: items with n == 1 (the newest token of each, already appended to the cache);
  // prefill: items with n >= 1. tokens: [sum of n] the items' token ids, decode items first.
  // Writes K/V of every item into the cache and, for every decode item and every prefill item
  // with want_logits[i] (indexed over prefill items), the logits of its last token:
  // logits: [n_decode + count(want_logits), vocab], decode rows first.
  // Does not mark anything computed (the caller does, under its lock).
  void run(KvCache& cache, DecodePlan& plan, const std::vector<ForwardItem>& decode,
           const std::vector<ForwardItem>& prefill, const std::vector<bool>& want_logits,
           const std::vector<int32_t>& tokens, std::vector<float>& logits);

  const ModelConfig& config() const { return cfg_; }
  ForwardBackend& backend() { return *backend_; }

 private:
  void ensure_capacity(int64_t n_tokens, int64_t n_out);

  ModelConfig cfg_;
  const ModelWeights& w_;
  std::unique_ptr<ForwardBackend> backend_;
  int64_t cap_tokens_ = 0, cap_out_ = 0;
  // Activations in backend memory, sized for cap_tokens_ rows.
  float* x_ = nullptr;      // [T, hidden] residual stream
  float* xn_ = nullptr;     // [T, hidden] normalised input of a sub-layer
  float* q_ = nullptr;      // [T, q_dim]
  float* k_ = nullptr;      // [T, kv_dim]
  float* v_ = nullptr;      // [T, kv_dim]
  float* att_ = nullptr;    // [T, q_dim] attention output
  float* proj_ = nullptr;   // [T, hidden] o_proj / down_proj output
  float* gate_ = nullptr;   // [T, intermediate] SwiGLU output
  float* up_ = nullptr;     // [T, intermediate] up projection (scratch)
  float* last_ = nullptr;   // [n_out, hidden] final-normed rows that need logits
  float* logits_ = nullptr; // [n_out, vocab]
};

}  // namespace chunkserve
