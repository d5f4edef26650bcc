#include "model/checkpoint_dir.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "model/safetensors_reader.h"

namespace chunkserve {

namespace {

std::runtime_error fault(const std::string& file, const std::string& what) { return std::runtime_error(file + ": " + what); }

bool file_exists(const std::string& p) { return static_cast<bool>(std::ifstream(p)); }

JsonValue read_json_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw fault(file, "is missing");
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return parse_json(ss.str());
  } catch (const std::invalid_argument& e) {
    throw fault(file, std::string("is not valid JSON (") + e.what() + ")");
  }
}

}  // namespace

ModelConfig parse_hf_config(const JsonValue& c, const std::string& file) {
  if (!c.is_object()) throw fault(file, "is not a JSON object");
  const JsonValue* archs = c.find("architectures");
  const std::string arch = archs && archs->is_array() && !archs->array.empty() && archs->array[0].is_string() ? archs->array[0].string : "";
  if (arch != "LlamaForCausalLM" && arch != "MistralForCausalLM" && arch != "Qwen2ForCausalLM")
    throw fault(file, "architectures is not supported (one of LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
  auto integer = [&](const char* key, double fallback) {
    const JsonValue* v = c.find(key);
    const double x = v && !v->is_null() ? (v->is_number() ? v->number : -1) : fallback;
    if (!(x > 0) || x != std::floor(x) || x > 2147483647.0) throw fault(file, std::string(key) + " must be a positive integer");
    return static_cast<int>(x);
  };
  auto positive = [&](const JsonValue* o, const char* key, double fallback) {
    const JsonValue* v = o ? o->find(key) : nullptr;
    const double x = v && !v->is_null() ? (v->is_number() ? v->number : -1) : fallback;
    if (!(x > 0)) throw fault(file, std::string(key) + " must be a positive number");
    return x;
  };
  auto is_true = [&](const char* key) {
    const JsonValue* v = c.find(key);
    return v && v->type == JsonValue::Type::Bool && v->boolean;
  };
  const JsonValue* act = c.find("hidden_act");
  if (act && !(act->is_string() && act->string == "silu")) throw fault(file, "hidden_act is not supported (silu)");
  if (is_true("attention_bias")) throw fault(file, "attention_bias: true is not supported");
  if (is_true("mlp_bias")) throw fault(file, "mlp_bias: true is not supported");

  ModelConfig m;
  m.architecture = arch;
  m.hidden = integer("hidden_size", -1);
  m.n_layers = integer("num_hidden_layers", -1);
  m.n_heads = integer("num_attention_heads", -1);
  m.n_kv_heads = integer("num_key_value_heads", m.n_heads);
  m.head_dim = integer("head_dim", m.hidden / m.n_heads);
  m.intermediate = integer("intermediate_size", -1);
  m.vocab = integer("vocab_size", -1);
  m.max_positions = integer("max_position_embeddings", 2048);
  const JsonValue* window = c.find("sliding_window");
  const bool use_window = arch != "Qwen2ForCausalLM" || is_true("use_sliding_window");
  if (use_window && window && window->is_number() && window->number > 0 && window->number < m.max_positions)
    m.max_positions = static_cast<int>(window->number);
  m.rms_eps = static_cast<float>(positive(&c, "rms_norm_eps", 1e-6));
  m.tie_embeddings = is_true("tie_word_embeddings");
  m.qkv_bias = arch == "Qwen2ForCausalLM";

  // RoPE: rope_theta + rope_scaling (transformers 4), or rope_parameters (transformers 5).
  const JsonValue* params = c.find("rope_parameters");
  if (params && !params->is_object()) params = nullptr;
  const JsonValue* theta = c.find("rope_theta");
  m.rope_theta = theta && theta->is_number() ? positive(&c, "rope_theta", 10000) : positive(params, "rope_theta", 10000);
  const JsonValue* rs = c.find("rope_scaling");
  if (!rs || rs->is_null()) rs = params;
  if (rs && rs->is_object()) {
    const JsonValue* type = rs->find("rope_type");
    if (!type || !type->is_string()) type = rs->find("type");
    const std::string t = type && type->is_string() ? type->string : "default";
    if (t == "linear" || t == "llama3") {
      m.rope_factor = positive(rs, "factor", -1);
      m.rope_scaling = t == "linear" ? RopeScaling::Linear : RopeScaling::Llama3;
      if (t == "llama3") {
        m.rope_low_freq_factor = positive(rs, "low_freq_factor", 1);
        m.rope_high_freq_factor = positive(rs, "high_freq_factor", 4);
        m.rope_original_max_positions = static_cast<int>(positive(rs, "original_max_position_embeddings", 8192));
      }
    } else if (t != "default") {
      throw fault(file, "rope_scaling type " + t + " is not supported (linear, llama3)");
    }
  }
  try {
    m.validate();
  } catch (const std::invalid_argument& e) {
    throw fault(file, e.what());
  }
  return m;
}

CheckpointDir read_checkpoint_dir(const std::string& dir) {
  CheckpointDir ck;
  const std::string config_file = dir + "/config.json";
  ck.config = parse_hf_config(read_json_file(config_file), config_file);

  const std::string single = dir + "/model.safetensors", index_file = dir + "/model.safetensors.index.json";
  std::map<std::string, std::string> shard_of;  // tensor -> file, when sharded
  if (file_exists(single)) {
    ck.files.push_back(single);
  } else if (file_exists(index_file)) {
    const JsonValue index = read_json_file(index_file);
    const JsonValue* map = index.find("weight_map");
    if (!map || !map->is_object()) throw fault(index_file, "has no weight_map object");
    std::set<std::string> shards;
    for (const auto& kv : map->object) {
      if (!kv.second.is_string() || kv.second.string.find('/') != std::string::npos)
        throw fault(index_file, "weight_map[" + kv.first + "] is not a file name");
      shard_of[kv.first] = dir + "/" + kv.second.string;
      shards.insert(dir + "/" + kv.second.string);
    }
    ck.files.assign(shards.begin(), shards.end());
  } else {
    throw fault(dir, "has neither model.safetensors nor model.safetensors.index.json");
  }
  for (size_t f = 0; f < ck.files.size(); ++f) {
    if (!file_exists(ck.files[f])) throw fault(ck.files[f], "is missing (listed in model.safetensors.index.json)");
    for (const auto& kv : read_safetensors_header(ck.files[f]).tensors) {
      const SafetensorsEntry& e = kv.second;
      if (!shard_of.empty()) {
        auto it = shard_of.find(kv.first);
        if (it == shard_of.end() || it->second != ck.files[f]) continue;  // listed elsewhere (or not at all)
      }
      if (e.dtype != "F32" && e.dtype != "F16" && e.dtype != "BF16") continue;
      TensorSpec t;
      t.file = static_cast<int>(f);
      t.dtype = parse_dtype(e.dtype, "weight dtype");
      t.shape = e.shape;
      t.offset = e.offset;
      t.nbytes = e.nbytes;
      ck.tensors[kv.first] = std::move(t);
    }
  }
  return ck;
}

}  // namespace chunkserve
