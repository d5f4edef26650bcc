#include "hf_checkpoint_writer.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "test_random.h"

namespace check {

using namespace chunkserve;

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}


std::string number(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

}  // namespace

void write_safetensors(const std::string& file, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::string header = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& kv : metadata) {
    header += (first ? "" : ",") + json_string(kv.first) + ":" + json_string(kv.second);
    first = false;
  }
  header += "}";
  std::string data;
  for (const TensorToWrite& t : tensors) {
    size_t n = 1;
    for (int64_t d : t.shape) n *= static_cast<size_t>(d);
    if (n != t.values.size()) throw std::invalid_argument("write_safetensors: " + t.name + " has the wrong number of values");
    const size_t begin = data.size();
    for (float v : t.values) {
      if (t.dtype == "F32") {
        data.append(reinterpret_cast<const char*>(&v), 4);
      } else if (t.dtype == "I32") {
        const int32_t i = static_cast<int32_t>(v);
        data.append(reinterpret_cast<const char*>(&i), 4);
      } else {
        const uint16_t h = float_to_bits16(t.dtype == "F16" ? DType::F16 : DType::BF16, v);
        data.append(reinterpret_cast<const char*>(&h), 2);
      }
    }
    header += "," + json_string(t.name) + ":{\"dtype\":\"" + t.dtype + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(data.size()) + "]}";
  }
  header += "}";
  header.append((8 - (8 + header.size()) % 8) % 8, ' ');
  std::ofstream out(file, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + file);
  uint64_t len = header.size();
  for (int b = 0; b < 8; ++b) out.put(static_cast<char>((len >> (8 * b)) & 0xff));
  out << header << data;
}

std::string hf_config_json(const ModelConfig& c, bool transformers5) {
  std::ostringstream s;
  s << "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_act\":\"silu\","
    << "\"hidden_size\":" << c.hidden << ",\"num_hidden_layers\":" << c.n_layers << ",\"num_attention_heads\":" << c.n_heads
    << ",\"num_key_value_heads\":" << c.n_kv_heads << ",\"head_dim\":" << c.head_dim << ",\"intermediate_size\":" << c.intermediate
    << ",\"vocab_size\":" << c.vocab << ",\"max_position_embeddings\":" << c.max_positions << ",\"rms_norm_eps\":" << number(c.rms_eps)
    << ",\"tie_word_embeddings\":" << (c.tie_embeddings ? "true" : "false") << ",\"attention_bias\":false";
  std::string scaling = "null";
  const char* type = c.rope_scaling == RopeScaling::Llama3 ? "llama3" : c.rope_scaling == RopeScaling::Linear ? "linear" : "default";
  if (c.rope_scaling != RopeScaling::None) {
    scaling = std::string("{\"rope_type\":\"") + type + "\",\"factor\":" + number(c.rope_factor);
    if (c.rope_scaling == RopeScaling::Llama3)
      scaling += ",\"low_freq_factor\":" + number(c.rope_low_freq_factor) + ",\"high_freq_factor\":" +
                 number(c.rope_high_freq_factor) + ",\"original_max_position_embeddings\":" +
                 std::to_string(c.rope_original_max_positions);
    scaling += "}";
  }
  if (transformers5) {
    std::string params = scaling == "null" ? std::string("{\"rope_type\":\"default\"") : scaling.substr(0, scaling.size() - 1);
    s << ",\"rope_parameters\":" << params << ",\"rope_theta\":" << number(c.rope_theta) << "}";
  } else {
    s << ",\"rope_theta\":" << number(c.rope_theta) << ",\"rope_scaling\":" << scaling;
  }
  s << "}";
  return s.str();
}

std::map<std::string, std::vector<float>> write_random_llama(const std::string& dir, const ModelConfig& c, DType dtype,
                                                             uint64_t seed, int n_shards, bool transformers5) {
  ::mkdir(dir.c_str(), 0755);
  Rng r(seed);
  const std::string dt = dtype == DType::F32 ? "F32" : dtype == DType::F16 ? "F16" : "BF16";
  std::vector<std::vector<TensorToWrite>> shards(std::max(1, n_shards));
  std::map<std::string, std::vector<float>> values;
  auto add = [&](int shard, const std::string& name, std::vector<int64_t> shape, float scale, float center) {
    size_t n = 1;
    for (int64_t d : shape) n *= static_cast<size_t>(d);
    std::vector<float> v = random_floats(r, n, scale);
    for (float& x : v) x += center;
    values[name] = v;
    shards[shard % shards.size()].push_back({name, dt, std::move(shape), std::move(v)});
  };
  const int64_t H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate, V = c.vocab;
  auto mat = [](int64_t in) { return 1.f / std::sqrt(static_cast<float>(in)); };
  add(0, "model.embed_tokens.weight", {V, H}, 1.f, 0.f);
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(l, p + "input_layernorm.weight", {H}, 0.1f, 1.f);
    add(l, p + "self_attn.q_proj.weight", {Q, H}, 2 * mat(H), 0.f);  // wider q/k: attention far from uniform
    add(l, p + "self_attn.k_proj.weight", {KV, H}, 2 * mat(H), 0.f);
    add(l, p + "self_attn.v_proj.weight", {KV, H}, mat(H), 0.f);
    add(l, p + "self_attn.o_proj.weight", {H, Q}, mat(Q), 0.f);
    add(l, p + "post_attention_layernorm.weight", {H}, 0.1f, 1.f);
    add(l, p + "mlp.gate_proj.weight", {F, H}, mat(H), 0.f);
    add(l, p + "mlp.up_proj.weight", {F, H}, mat(H), 0.f);
    add(l, p + "mlp.down_proj.weight", {H, F}, mat(F), 0.f);
  }
  add(c.n_layers, "model.norm.weight", {H}, 0.1f, 1.f);
  if (!c.tie_embeddings) add(c.n_layers, "lm_head.weight", {V, H}, mat(H), 0.f);

  std::ofstream(dir + "/config.json") << hf_config_json(c, transformers5);
  if (shards.size() == 1) {
    write_safetensors(dir + "/model.safetensors", shards[0]);
    return values;
  }
  std::string index = "{\"metadata\":{},\"weight_map\":{";
  bool first = true;
  for (size_t s = 0; s < shards.size(); ++s) {
    const std::string name = "model-" + std::to_string(s + 1) + "-of-" + std::to_string(shards.size()) + ".safetensors";
    write_safetensors(dir + "/" + name, shards[s]);
    for (const TensorToWrite& t : shards[s]) {
      index += (first ? "" : ",") + json_string(t.name) + ":" + json_string(name);
      first = false;
    }
  }
  std::ofstream(dir + "/model.safetensors.index.json") << index << "}}";
  return values;
}

}  // namespace check
