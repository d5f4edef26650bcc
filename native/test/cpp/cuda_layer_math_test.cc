// The per-element math of the CUDA layer kernels (cuda/layer_math.h: RMSNorm, RoPE with every
// rope_scaling, SwiGLU), as the kernels apply it, against float64 references on random rows and
// positions, and against the CPU backend's own RMSNorm and Rope.
#include <cmath>
#include <vector>

#include "check.h"
#include "cuda/layer_math.h"
#include "model/layer_ops.h"
#include "test_random.h"

using namespace chunkserve;
using check::Rng;

namespace {

// Hugging Face's _compute_llama3_parameters / linear scaling, in double: an independent
// statement of the formula the CPU's Rope table (uploaded by the CUDA backend) must follow.
std::vector<double> reference_inv_freq(const ModelConfig& c) {
  const double kPi = 3.14159265358979323846;
  std::vector<double> f(c.head_dim / 2);
  for (int i = 0; i < c.head_dim / 2; ++i) {
    const double base = 1.0 / std::pow(c.rope_theta, 2.0 * i / c.head_dim);
    double v = base;
    if (c.rope_scaling == RopeScaling::Linear) v = base / c.rope_factor;
    if (c.rope_scaling == RopeScaling::Llama3) {
      const double old_ctx = c.rope_original_max_positions;
      const double wavelen = 2 * kPi / base;
      const double low_wavelen = old_ctx / c.rope_low_freq_factor, high_wavelen = old_ctx / c.rope_high_freq_factor;
      const double scaled = wavelen > low_wavelen ? base / c.rope_factor : base;
      const double smooth = (old_ctx / wavelen - c.rope_low_freq_factor) / (c.rope_high_freq_factor - c.rope_low_freq_factor);
      const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
      v = medium ? (1 - smooth) * scaled / c.rope_factor + smooth * scaled : scaled;
    }
    f[i] = v;
  }
  return f;
}

ModelConfig rope_config(RopeScaling s, int head_dim) {
  ModelConfig c;
  c.head_dim = head_dim;
  c.rope_theta = 500000;
  c.rope_scaling = s;
  c.rope_factor = 8;
  c.rope_low_freq_factor = 1;
  c.rope_high_freq_factor = 4;
  c.rope_original_max_positions = 64;  // small: many frequencies fall in the blended band
  return c;
}

}  // namespace

TEST_CASE("RMSNorm's row scale and products match float64 and the CPU backend") {
  Rng r(21);
  for (int i = 0; i < 20; ++i) {
    const int dim = 1 + r.below(3000);
    const float eps = i % 2 ? 1e-5f : 1e-6f;
    const std::vector<float> x = check::random_floats(r, dim, 3.f), w = check::random_floats(r, dim, 2.f);
    double ss = 0;
    for (float v : x) ss += static_cast<double>(v) * v;
    const float inv = layer_math::rms_inv(static_cast<float>(ss), dim, eps);
    std::vector<float> y(dim), cpu(dim);
    std::vector<double> ref(dim);
    for (int d = 0; d < dim; ++d) {
      y[d] = layer_math::rms_apply(x[d], inv, w[d]);
      ref[d] = x[d] / std::sqrt(ss / dim + eps) * w[d];
    }
    rms_norm(x.data(), w.data(), 1, dim, eps, cpu.data());
    CHECK(check::rel_err(y, ref) < 1e-6);
    CHECK(check::rel_err(y, cpu) < 1e-6);
  }
}

TEST_CASE("RoPE pair rotation with the CPU's table matches float64 for none, linear and llama3 scaling") {
  Rng r(22);
  for (RopeScaling s : {RopeScaling::None, RopeScaling::Linear, RopeScaling::Llama3})
    for (int head_dim : {64, 128}) {
      const ModelConfig cfg = rope_config(s, head_dim);
      Rope cpu(cfg);
      const std::vector<double> ref_freq = reference_inv_freq(cfg);
      for (int i = 0; i < head_dim / 2; ++i) CHECK_NEAR(cpu.inv_freq()[i], ref_freq[i], 1e-12 * ref_freq[i]);
      const int n_tok = 1 + r.below(20), n_heads = 1 + r.below(4), half = head_dim / 2;
      std::vector<int32_t> pos(n_tok);
      for (int32_t& p : pos) p = r.below(2) ? r.below(64) : r.below(200000);  // inside and past the CPU's table
      const std::vector<float> x = check::random_floats(r, static_cast<size_t>(n_tok) * n_heads * head_dim);
      std::vector<float> gpu = x, host = x;
      std::vector<double> ref(x.size());
      for (int t = 0; t < n_tok; ++t)
        for (int i = 0; i < half; ++i) {
          float c, sn;
          layer_math::rope_cos_sin(pos[t], cpu.inv_freq()[i], c, sn);  // one (token, pair) of the kernel
          const double a = pos[t] * ref_freq[i];
          for (int h = 0; h < n_heads; ++h) {
            const size_t o = (static_cast<size_t>(t) * n_heads + h) * head_dim;
            layer_math::rope_rotate(gpu[o + i], gpu[o + i + half], c, sn);
            ref[o + i] = x[o + i] * std::cos(a) - x[o + i + half] * std::sin(a);
            ref[o + i + half] = x[o + i + half] * std::cos(a) + x[o + i] * std::sin(a);
          }
        }
      cpu.apply(host.data(), n_tok, n_heads, pos.data());
      CHECK(check::rel_err(gpu, ref) < 1e-6);
      CHECK(check::rel_err(gpu, host) < 1e-6);
    }
}

TEST_CASE("SwiGLU of a gate/up pair matches float64") {
  Rng r(23);
  for (int i = 0; i < 1000; ++i) {
    const float g = r.symmetric(12.f), u = r.symmetric(3.f);
    const double ref = g / (1 + std::exp(-static_cast<double>(g))) * u;
    CHECK_NEAR(layer_math::swiglu(g, u), ref, 1e-6 * (1 + std::fabs(ref)));
  }
}
