#include "model/layer_ops.h"

#include <cmath>

namespace chunkserve {

void rms_norm(const float* x, const float* weight, int64_t n_tokens, int dim, float eps, float* y) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xt = x + t * dim;
    float* yt = y + t * dim;
    double ss = 0;  // why double: dims up to 8192 of squares; cheap next to the matmuls
    for (int i = 0; i < dim; ++i) ss += double(xt[i]) * xt[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
    for (int i = 0; i < dim; ++i) yt[i] = xt[i] * inv * weight[i];
  }
}

Rope::Rope(const ModelConfig& cfg) : head_dim_(cfg.head_dim), inv_freq_(cfg.head_dim / 2) {
  const double kPi = 3.14159265358979323846;
  for (int i = 0; i < head_dim_ / 2; ++i) {
    double f = 1.0 / std::pow(cfg.rope_theta, 2.0 * i / head_dim_);
    if (cfg.rope_scaling == RopeScaling::Linear) {
      f /= cfg.rope_factor;
    } else if (cfg.rope_scaling == RopeScaling::Llama3) {
      // Llama 3.1: keep high frequencies, divide low ones by factor, blend in between.
      const double old_ctx = cfg.rope_original_max_positions;
      const double low_wavelen = old_ctx / cfg.rope_low_freq_factor;
      const double high_wavelen = old_ctx / cfg.rope_high_freq_factor;
      const double wavelen = 2 * kPi / f;
      if (wavelen > low_wavelen) {
        f /= cfg.rope_factor;
      } else if (wavelen >= high_wavelen) {
        const double smooth = (old_ctx / wavelen - cfg.rope_low_freq_factor) /
                              (cfg.rope_high_freq_factor - cfg.rope_low_freq_factor);
        f = (1 - smooth) * f / cfg.rope_factor + smooth * f;
      }
    }
    inv_freq_[i] = f;
  }
}

void Rope::apply(float* x, int64_t n_tokens, int n_heads, const int32_t* positions) const {
  const int half = head_dim_ / 2;
  std::vector<float> cos_t(half), sin_t(half);  // [half] for the current token
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int i = 0; i < half; ++i) {
      const double a = positions[t] * inv_freq_[i];  // double: positions up to 1e5+ keep precision
      cos_t[i] = static_cast<float>(std::cos(a));
      sin_t[i] = static_cast<float>(std::sin(a));
    }
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim_;
      for (int i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cos_t[i] - b * sin_t[i];
        v[i + half] = b * cos_t[i] + a * sin_t[i];
      }
    }
  }
}

}  // namespace chunkserve
