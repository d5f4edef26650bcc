// The C++ checkpoint reader (model/json_value.h, model/safetensors_reader.h,
// model/checkpoint_dir.h): JSON, safetensors headers and their faults, config.json in the
// transformers 4 and 5 layouts, single and sharded directories, and a random checkpoint whose
// forward pass on the CPU gives the same logits as the same weights held in memory.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "check.h"
#include "hf_checkpoint_writer.h"
#include "model/checkpoint_dir.h"
#include "model/forward.h"
#include "model/json_value.h"
#include "model/safetensors_reader.h"
#include "test_random.h"
#include "tiny_model.h"

using namespace chunkserve;

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/chunkserve-ckpt-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  if (d == nullptr) throw std::runtime_error("mkdtemp failed");
  return d;
}

// TinyModel's shape with llama3 RoPE scaling (a short original context: many blended bands).
ModelConfig small_config() {
  ModelConfig c = check::TinyModel(1).config;
  c.rope_theta = 500000;
  c.rope_scaling = RopeScaling::Llama3;
  c.rope_factor = 8;
  c.rope_original_max_positions = 64;
  return c;
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Logits of a prompt through the CPU forward pass (one prefill span).
std::vector<float> cpu_logits(const ModelConfig& cfg, const ModelWeights& w, const std::vector<int32_t>& prompt) {
  auto backend = make_cpu_backend(cfg, 1);
  KvCacheConfig kv;
  kv.n_layers = cfg.n_layers, kv.n_kv_heads = cfg.n_kv_heads, kv.head_dim = cfg.head_dim, kv.chunk_size = 16;
  kv.pool_bytes = kv.layout().chunk_bytes() * 64;
  KvCache cache(kv, backend->make_chunk_storage(kv.layout(), kv.pool_bytes));
  backend->load_weights(w);
  Forward fwd(cfg, w, *backend);
  DecodePlan plan;
  const InsertResult ins = cache.insert("t", prompt, 0);
  Batch b;
  b.add_prefill(ins.seq, 0, prompt.data(), static_cast<int32_t>(prompt.size()), true);
  std::vector<float> logits;
  fwd.run(cache, plan, b, logits);
  return logits;
}

}  // namespace

TEST_CASE("JSON: values, escapes, nesting and faults") {
  const JsonValue v = parse_json(" {\"a\": [1, -2.5e3, true, false, null], \"s\": \"q\\\"\\\\\\n\\u00e9\\ud83d\\ude00\", \"o\": {}} ");
  REQUIRE(v.is_object());
  const JsonValue* a = v.find("a");
  REQUIRE(a != nullptr && a->is_array() && a->array.size() == 5);
  CHECK_EQ(a->array[0].number, 1.0);
  CHECK_EQ(a->array[1].number, -2500.0);
  CHECK(a->array[2].boolean && !a->array[3].boolean && a->array[4].is_null());
  CHECK_EQ(v.find("s")->string, std::string("q\"\\\n\xc3\xa9\xf0\x9f\x98\x80"));
  CHECK(v.find("o")->is_object() && v.find("missing") == nullptr);
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\x\"", "tru", "[1] 2", "\"\\ud800\""})
    CHECK_THROWS_AS(parse_json(bad), std::invalid_argument);
  CHECK(contains(error_of([] { parse_json("[1, }"); }), "at byte"));
}

TEST_CASE("config.json in the transformers 4 and 5 layouts gives the same config") {
  const ModelConfig c = small_config();
  for (bool v5 : {false, true}) {
    const ModelConfig got = parse_hf_config(parse_json(check::hf_config_json(c, v5)), "config.json");
    CHECK_EQ(got.hidden, c.hidden);
    CHECK_EQ(got.n_kv_heads, c.n_kv_heads);
    CHECK_EQ(got.head_dim, c.head_dim);
    CHECK_EQ(got.rope_theta, c.rope_theta);
    CHECK(got.rope_scaling == RopeScaling::Llama3);
    CHECK_EQ(got.rope_factor, c.rope_factor);
    CHECK_EQ(got.rope_original_max_positions, c.rope_original_max_positions);
    CHECK_NEAR(got.rms_eps, c.rms_eps, 1e-12);
  }
  CHECK(contains(error_of([] { parse_hf_config(parse_json("{\"architectures\":[\"GPT2\"]}"), "c.json"); }), "c.json: architectures"));
  CHECK(contains(error_of([] {
          parse_hf_config(parse_json("{\"architectures\":[\"LlamaForCausalLM\"],\"hidden_size\":0}"), "c.json");
        }),
        "hidden_size must be a positive integer"));
  ModelConfig yarn = c;
  std::string text = check::hf_config_json(yarn, false);
  text.replace(text.find("llama3"), 6, "yarn");
  CHECK(contains(error_of([&] { parse_hf_config(parse_json(text), "c.json"); }), "rope_scaling type yarn is not supported"));
}

TEST_CASE("a random checkpoint read back from disk gives the logits of the same weights in memory") {
  const ModelConfig c = small_config();
  for (int shards : {1, 3})
    for (DType dt : {DType::F32, DType::BF16}) {
      const std::string dir = temp_dir();
      const auto values = check::write_random_llama(dir, c, dt, 7 + shards, shards, shards == 3);
      const CheckpointDir ck = read_checkpoint_dir(dir);
      CHECK_EQ(ck.files.size(), static_cast<size_t>(shards));
      CHECK_EQ(ck.config.vocab, c.vocab);
      CHECK_EQ(ck.tensors.size(), values.size());
      const auto from_disk = ModelWeights::load(ck.config, ck.files, ck.tensors);
      // The same values in memory, rounded as the file holds them.
      std::vector<std::vector<float>> store;
      store.reserve(values.size());
      auto held = [&](const std::string& name) {
        store.push_back(values.at(name));
        if (dt != DType::F32)
          for (float& x : store.back()) x = bits16_to_float(dt, float_to_bits16(dt, x));
        return store.back().data();
      };
      ModelWeights mem;
      auto matrix = [&](const std::string& name, int64_t rows, int64_t cols) { return WeightMatrix{held(name), DType::F32, rows, cols}; };
      auto vec = [&](const std::string& name) {
        const float* p = held(name);
        return std::vector<float>(p, p + c.hidden);
      };
      mem.embed = matrix("model.embed_tokens.weight", c.vocab, c.hidden);
      for (int l = 0; l < c.n_layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        LayerWeights L;
        L.attn_norm = vec(p + "input_layernorm.weight");
        L.wq = matrix(p + "self_attn.q_proj.weight", c.q_dim(), c.hidden);
        L.wk = matrix(p + "self_attn.k_proj.weight", c.kv_dim(), c.hidden);
        L.wv = matrix(p + "self_attn.v_proj.weight", c.kv_dim(), c.hidden);
        L.wo = matrix(p + "self_attn.o_proj.weight", c.hidden, c.q_dim());
        L.mlp_norm = vec(p + "post_attention_layernorm.weight");
        L.w_gate = matrix(p + "mlp.gate_proj.weight", c.intermediate, c.hidden);
        L.w_up = matrix(p + "mlp.up_proj.weight", c.intermediate, c.hidden);
        L.w_down = matrix(p + "mlp.down_proj.weight", c.hidden, c.intermediate);
        mem.layers.push_back(std::move(L));
      }
      mem.final_norm = vec("model.norm.weight");
      mem.lm_head = matrix("lm_head.weight", c.vocab, c.hidden);
      check::Rng r(5);
      const std::vector<int32_t> prompt = check::random_tokens(r, 40, c.vocab);
      const std::vector<float> a = cpu_logits(ck.config, *from_disk, prompt), b = cpu_logits(c, mem, prompt);
      CHECK(check::rel_err(a, b) < 1e-6);
    }
}

TEST_CASE("safetensors faults name the file and the fault") {
  const std::string dir = temp_dir();
  const std::string f = dir + "/x.safetensors";
  check::write_safetensors(f, {{"t", "F32", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"ids", "I32", {2}, {7, 8}}}, {{"k", "v"}});
  const SafetensorsHeader h = read_safetensors_header(f);
  CHECK_EQ(h.tensors.at("t").nbytes, 24);
  CHECK_EQ(h.tensors.at("ids").dtype, std::string("I32"));
  CHECK_EQ(h.metadata.at("k"), std::string("v"));
  // Truncate the data: the last tensor no longer fits.
  std::string bytes;
  {
    std::ifstream in(f, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(f, std::ios::binary) << bytes.substr(0, bytes.size() - 4);
  CHECK(contains(error_of([&] { read_safetensors_header(f); }), f + ": truncated: tensor ids"));
  std::ofstream(f, std::ios::binary) << std::string("\x05\0\0\0\0\0\0\0{\"a\":", 13);
  CHECK(contains(error_of([&] { read_safetensors_header(f); }), "header is not valid JSON"));
  CHECK(contains(error_of([&] { read_safetensors_header(dir + "/missing.safetensors"); }), "cannot open"));
  CHECK(contains(error_of([&] { read_checkpoint_dir(dir); }), "config.json: is missing"));
}
