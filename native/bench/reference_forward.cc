#include "reference_forward.h"

#include <algorithm>
#include <cmath>

#include "model/layer_ops.h"

namespace chunkserve {

namespace {

using Rows = std::vector<std::vector<double>>;

// y[t] = x[t] W^T (+ b): W [out][in] in its checkpoint dtype.
Rows linear(const Rows& x, const WeightMatrix& w, const std::vector<float>& bias) {
  Rows y(x.size(), std::vector<double>(w.rows));
  for (size_t t = 0; t < x.size(); ++t)
    for (int64_t o = 0; o < w.rows; ++o) {
      double s = bias.empty() ? 0.0 : bias[o];
      for (int64_t i = 0; i < w.cols; ++i) s += x[t][i] * load_double(w.dtype, w.data, static_cast<size_t>(o * w.cols + i));
      y[t][o] = s;
    }
  return y;
}

Rows rms(const Rows& x, const std::vector<float>& weight, double eps) {
  Rows y = x;
  for (auto& row : y) {
    double ss = 0;
    for (double v : row) ss += v * v;
    const double inv = 1 / std::sqrt(ss / row.size() + eps);
    for (size_t i = 0; i < row.size(); ++i) row[i] *= inv * weight[i];
  }
  return y;
}

void rope(Rows& x, int n_heads, int head_dim, const std::vector<double>& inv_freq) {
  const int half = head_dim / 2;
  for (size_t t = 0; t < x.size(); ++t)
    for (int h = 0; h < n_heads; ++h)
      for (int i = 0; i < half; ++i) {
        const double a = static_cast<double>(t) * inv_freq[i], c = std::cos(a), s = std::sin(a);
        double& u = x[t][h * head_dim + i];
        double& v = x[t][h * head_dim + i + half];
        const double u0 = u, v0 = v;
        u = u0 * c - v0 * s;
        v = v0 * c + u0 * s;
      }
}

}  // namespace

std::vector<double> reference_logits(const ModelConfig& c, const ModelWeights& w, const std::vector<int32_t>& tokens) {
  const size_t L = tokens.size();
  const int D = c.head_dim, G = c.n_heads / c.n_kv_heads;
  const Rope rope_table(c);
  const std::vector<double>& inv_freq = rope_table.inv_freq();
  Rows x(L, std::vector<double>(c.hidden));
  for (size_t t = 0; t < L; ++t)
    for (int i = 0; i < c.hidden; ++i) x[t][i] = load_double(w.embed.dtype, w.embed.data, static_cast<size_t>(tokens[t]) * c.hidden + i);
  for (const LayerWeights& lw : w.layers) {
    const Rows xn = rms(x, lw.attn_norm, c.rms_eps);
    Rows q = linear(xn, lw.wq, lw.bq), k = linear(xn, lw.wk, lw.bk);
    const Rows v = linear(xn, lw.wv, lw.bv);
    rope(q, c.n_heads, D, inv_freq);
    rope(k, c.n_kv_heads, D, inv_freq);
    Rows att(L, std::vector<double>(c.q_dim(), 0.0));
    for (size_t t = 0; t < L; ++t)
      for (int h = 0; h < c.n_heads; ++h) {
        const int kh = h / G;
        std::vector<double> s(t + 1);
        double mx = -INFINITY, sum = 0;
        for (size_t j = 0; j <= t; ++j) {
          double d = 0;
          for (int e = 0; e < D; ++e) d += q[t][h * D + e] * k[j][kh * D + e];
          mx = std::max(mx, s[j] = d / std::sqrt(static_cast<double>(D)));
        }
        for (double& p : s) sum += (p = std::exp(p - mx));
        for (size_t j = 0; j <= t; ++j)
          for (int e = 0; e < D; ++e) att[t][h * D + e] += s[j] / sum * v[j][kh * D + e];
      }
    const Rows o = linear(att, lw.wo, {});
    for (size_t t = 0; t < L; ++t)
      for (int i = 0; i < c.hidden; ++i) x[t][i] += o[t][i];
    const Rows xm = rms(x, lw.mlp_norm, c.rms_eps);
    Rows g = linear(xm, lw.w_gate, {});
    const Rows u = linear(xm, lw.w_up, {});
    for (size_t t = 0; t < L; ++t)
      for (int i = 0; i < c.intermediate; ++i) g[t][i] = g[t][i] / (1 + std::exp(-g[t][i])) * u[t][i];
    const Rows down = linear(g, lw.w_down, {});
    for (size_t t = 0; t < L; ++t)
      for (int i = 0; i < c.hidden; ++i) x[t][i] += down[t][i];
  }
  const Rows logits = linear(rms(x, w.final_norm, c.rms_eps), w.lm_head, {});
  std::vector<double> out;
  out.reserve(L * c.vocab);
  for (const auto& row : logits) out.insert(out.end(), row.begin(), row.end());
  return out;
}

}  // namespace chunkserve
