#include "model/layer_ops.h"

#include <algorithm>
#include <cmath>

namespace chunkserve {

void rms_norm(const float* x, const float* weight, int64_t n_tokens, int dim, float eps, float* y) {
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* xt = x + t * dim;
    float* yt = y + t * dim;
    // 16 partial sums (vectorisable, and short enough chains that fp32 keeps ~1e-7 relative
    // accuracy for dims up to 8192), summed in double.
    float part[16] = {};
    int i = 0;
    for (; i + 16 <= dim; i += 16)
      for (int j = 0; j < 16; ++j) part[j] += xt[i + j] * xt[i + j];
    double ss = 0;
    for (int j = 0; j < 16; ++j) ss += part[j];
    for (; i < dim; ++i) ss += double(xt[i]) * xt[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / dim + eps));
    for (i = 0; i < dim; ++i) yt[i] = xt[i] * inv * weight[i];
  }
}

Rope::Rope(const ModelConfig& cfg) : head_dim_(cfg.head_dim), inv_freq_(cfg.head_dim / 2), scratch_(cfg.head_dim) {
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

const float* Rope::angles(int32_t pos) {
  const int half = head_dim_ / 2;
  if (pos >= kTablePositions) {  // past the table: this token's row in the scratch row
    for (int i = 0; i < half; ++i) {
      const double a = pos * inv_freq_[i];  // double: positions up to 1e5+ keep precision
      scratch_[i] = static_cast<float>(std::cos(a));
      scratch_[half + i] = static_cast<float>(std::sin(a));
    }
    return scratch_.data();
  }
  while (rows_ <= pos) {  // grow the table to cover pos, a block of positions at a time
    const int32_t end = std::min<int32_t>(kTablePositions, std::max(rows_ * 2, pos + 1));
    table_.resize(static_cast<size_t>(end) * head_dim_);
    for (int32_t p = rows_; p < end; ++p)
      for (int i = 0; i < half; ++i) {
        const double a = p * inv_freq_[i];
        table_[static_cast<size_t>(p) * head_dim_ + i] = static_cast<float>(std::cos(a));
        table_[static_cast<size_t>(p) * head_dim_ + half + i] = static_cast<float>(std::sin(a));
      }
    rows_ = end;
  }
  return table_.data() + static_cast<size_t>(pos) * head_dim_;
}

void Rope::apply(float* x, int64_t n_tokens, int n_heads, const int32_t* positions) {
  const int half = head_dim_ / 2;
  for (int64_t t = 0; t < n_tokens; ++t) {
    const float* cs = angles(positions[t]);  // [cos x half][sin x half]
    const float* sn = cs + half;
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim_;
      for (int i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cs[i] - b * sn[i];
        v[i + half] = b * cs[i] + a * sn[i];
      }
    }
  }
}

}  // namespace chunkserve
