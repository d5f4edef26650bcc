#include "model/model_weights.h"

#include <stdexcept>

namespace chunkserve {
namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

struct Resolver {
  const std::vector<std::unique_ptr<MappedFile>>& files;
  const std::map<std::string, TensorSpec>& tensors;

  const TensorSpec& find(const std::string& name, const std::vector<int64_t>& shape) const {
    auto it = tensors.find(name);
    if (it == tensors.end()) throw std::runtime_error("checkpoint: tensor " + name + " is missing");
    const TensorSpec& t = it->second;
    if (t.file < 0 || t.file >= static_cast<int>(files.size()))
      throw std::runtime_error("checkpoint: tensor " + name + " names no known file");
    const MappedFile& f = *files[t.file];
    if (t.shape != shape)
      throw std::runtime_error(f.path() + ": tensor " + name + " has shape " + shape_str(t.shape) +
                               ", config.json implies " + shape_str(shape));
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    if (t.nbytes != n * static_cast<int64_t>(dtype_size(t.dtype)))
      throw std::runtime_error(f.path() + ": tensor " + name + " has " + std::to_string(t.nbytes) +
                               " bytes, its shape and dtype need " + std::to_string(n * dtype_size(t.dtype)));
    if (t.offset < 0 || t.offset + t.nbytes > static_cast<int64_t>(f.size()))
      throw std::runtime_error(f.path() + ": tensor " + name + " lies past the end of the file (truncated?)");
    return t;
  }

  WeightMatrix matrix(const std::string& name, int64_t rows, int64_t cols) const {
    const TensorSpec& t = find(name, {rows, cols});
    return WeightMatrix{files[t.file]->data() + t.offset, t.dtype, rows, cols};
  }

  std::vector<float> vector(const std::string& name, int64_t n) const {
    const TensorSpec& t = find(name, {n});
    std::vector<float> out(n);
    const char* p = files[t.file]->data() + t.offset;
    for (int64_t i = 0; i < n; ++i) out[i] = load_float(t.dtype, p, i);
    return out;
  }
};

}  // namespace

std::unique_ptr<ModelWeights> ModelWeights::load(const ModelConfig& cfg, const std::vector<std::string>& paths,
                                                 const std::map<std::string, TensorSpec>& tensors) {
  cfg.validate();
  auto w = std::make_unique<ModelWeights>();
  for (const auto& p : paths) w->files.push_back(std::make_unique<MappedFile>(p));
  Resolver r{w->files, tensors};
  const int64_t H = cfg.hidden, Q = cfg.q_dim(), KV = cfg.kv_dim(), F = cfg.intermediate;
  w->embed = r.matrix("model.embed_tokens.weight", cfg.vocab, H);
  for (int l = 0; l < cfg.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    LayerWeights L;
    L.attn_norm = r.vector(p + "input_layernorm.weight", H);
    L.wq = r.matrix(p + "self_attn.q_proj.weight", Q, H);
    L.wk = r.matrix(p + "self_attn.k_proj.weight", KV, H);
    L.wv = r.matrix(p + "self_attn.v_proj.weight", KV, H);
    L.wo = r.matrix(p + "self_attn.o_proj.weight", H, Q);
    if (cfg.qkv_bias) {
      L.bq = r.vector(p + "self_attn.q_proj.bias", Q);
      L.bk = r.vector(p + "self_attn.k_proj.bias", KV);
      L.bv = r.vector(p + "self_attn.v_proj.bias", KV);
    }
    L.mlp_norm = r.vector(p + "post_attention_layernorm.weight", H);
    L.w_gate = r.matrix(p + "mlp.gate_proj.weight", F, H);
    L.w_up = r.matrix(p + "mlp.up_proj.weight", F, H);
    L.w_down = r.matrix(p + "mlp.down_proj.weight", H, F);
    w->layers.push_back(std::move(L));
  }
  w->final_norm = r.vector("model.norm.weight", H);
  w->lm_head = cfg.tie_embeddings ? w->embed : r.matrix("lm_head.weight", cfg.vocab, H);
  return w;
}

}  // namespace chunkserve
