#include "tiny_model.h"

#include <cmath>

namespace check {

using namespace chunkserve;

TinyModel::TinyModel(uint64_t seed) : rng_(seed) {
  config.architecture = "LlamaForCausalLM";
  config.hidden = 64;
  config.n_layers = 2;
  config.n_heads = 4;
  config.n_kv_heads = 2;
  config.head_dim = 64;
  config.intermediate = 96;
  config.vocab = 97;
  config.max_positions = 1024;
  config.validate();
}

WeightMatrix TinyModel::matrix(Rng& r, int64_t rows, int64_t cols) {
  arrays.push_back(random_floats(r, static_cast<size_t>(rows * cols), 1.f / std::sqrt(static_cast<float>(cols))));
  return WeightMatrix{arrays.back().data(), DType::F32, rows, cols};
}

std::unique_ptr<ModelWeights> TinyModel::weights() {
  arrays.reserve(64);  // pointers into arrays stay valid
  const ModelConfig& c = config;
  auto w = std::make_unique<ModelWeights>();
  auto norm = [&](int n) {
    std::vector<float> v(n);
    for (float& x : v) x = 1.f + rng_.symmetric(0.1f);
    return v;
  };
  w->embed = matrix(rng_, c.vocab, c.hidden);
  for (int l = 0; l < c.n_layers; ++l) {
    LayerWeights L;
    L.attn_norm = norm(c.hidden);
    L.wq = matrix(rng_, c.q_dim(), c.hidden);
    L.wk = matrix(rng_, c.kv_dim(), c.hidden);
    L.wv = matrix(rng_, c.kv_dim(), c.hidden);
    L.wo = matrix(rng_, c.hidden, c.q_dim());
    L.mlp_norm = norm(c.hidden);
    L.w_gate = matrix(rng_, c.intermediate, c.hidden);
    L.w_up = matrix(rng_, c.intermediate, c.hidden);
    L.w_down = matrix(rng_, c.hidden, c.intermediate);
    w->layers.push_back(std::move(L));
  }
  w->final_norm = norm(c.hidden);
  w->lm_head = matrix(rng_, c.vocab, c.hidden);
  return w;
}

}  // namespace check
