// Element-wise pieces of a Llama layer: RMSNorm and the rotary position embedding (the residual
// add and SwiGLU are fused into the GEMM's epilogues: gemm.h).
#pragma once
#include <cstdint>
#include <vector>

#include "model/model_config.h"

namespace chunkserve {

// y[t] = x[t] / sqrt(mean(x[t]^2) + eps) * weight, for x, y: [n_tokens, dim] (y may alias x).
void rms_norm(const float* x, const float* weight, int64_t n_tokens, int dim, float eps, float* y);

// Rotary embedding in Hugging Face's rotate_half layout: dims (i, i + head_dim/2) form a pair
// rotated by angle pos * inv_freq[i].
class Rope {
 public:
  explicit Rope(const ModelConfig& cfg);  // inv_freq with the config's theta and rope_scaling
  // x: [n_tokens, n_heads, head_dim] rotated in place; positions: [n_tokens]. Not thread-safe
  // (it grows its table of angles): one Rope per forward pass.
  void apply(float* x, int64_t n_tokens, int n_heads, const int32_t* positions);
  const std::vector<double>& inv_freq() const { return inv_freq_; }

 private:
  // Why a table: a prefill piece of 512 tokens would otherwise take 512 x head_dim/2 sin/cos
  // pairs per layer and call. Positions below kTablePositions are computed once (in double,
  // stored as float), the rest per call.
  static constexpr int32_t kTablePositions = 32768;
  const float* angles(int32_t pos);  // [cos x head_dim/2][sin x head_dim/2] of position pos

  int head_dim_;
  std::vector<double> inv_freq_;  // [head_dim / 2]
  std::vector<float> table_;      // [rows_][head_dim]: cos then sin of each position
  int32_t rows_ = 0;
  std::vector<float> scratch_;    // [head_dim] for a position past the table
};

}  // namespace chunkserve
