// One forward step of the decoder over a batch (runtime/batch.h): decode rows (one new token
// each, batched into TPP/baseline decode attention) and prefill spans (several prompt tokens of
// one sequence, causal prefill attention over the cached prefix). Every linear layer runs once
// over all rows of the step, so the weights are read once per step.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "model/backend.h"

namespace chunkserve {

class Forward {
 public:
  Forward(const ModelConfig& cfg, const ModelWeights& weights, Backend& backend);
  ~Forward();

  // Writes K/V of every row of the batch into the cache and the logits of every row that wants
  // them: logits: [batch.n_logits(), vocab], in the batch's logits order (decode rows first).
  // The decode rows' tokens must be appended to the cache already. Marks nothing computed (the
  // caller does). Throws std::invalid_argument for a token id outside the vocabulary.
  void run(KvCache& cache, DecodePlan& plan, const Batch& batch, std::vector<float>& logits);

  const ModelConfig& config() const { return cfg_; }

 private:
  void ensure_capacity(int64_t n_rows, int64_t n_logits);

  ModelConfig cfg_;
  const ModelWeights& w_;
  Backend& be_;
  int64_t cap_rows_ = 0, cap_logits_ = 0;
  // Activations in backend memory, sized for cap_rows_ rows.
  float* x_ = nullptr;      // [T, hidden] residual stream
  float* xn_ = nullptr;     // [T, hidden] normalised input of a sub-layer
  float* q_ = nullptr;      // [T, q_dim]
  float* k_ = nullptr;      // [T, kv_dim]
  float* v_ = nullptr;      // [T, kv_dim]
  float* att_ = nullptr;    // [T, q_dim] attention output
  float* h_ = nullptr;      // [T, intermediate] SwiGLU output
  float* last_ = nullptr;   // [n_logits, hidden] final-normed rows that need logits
  float* logits_ = nullptr; // [n_logits, vocab]
};

}  // namespace chunkserve
