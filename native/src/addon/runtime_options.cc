#include "addon/runtime_options.h"

#include <cmath>

#include "addon/js_args.h"

namespace chunkserve {

namespace {

constexpr int64_t kIntMax = INT32_MAX;
constexpr double kMaxSafe = 9007199254740991.0;  // 2^53 - 1

ModelConfig parse_model_config(const js::Fields& c) {
  ModelConfig cfg;
  cfg.architecture = c.string("architecture", "LlamaForCausalLM");
  cfg.hidden = static_cast<int>(c.integer("hidden", 0, 0, kIntMax));
  cfg.n_layers = static_cast<int>(c.integer("nLayers", 0, 0, kIntMax));
  cfg.n_heads = static_cast<int>(c.integer("nHeads", 0, 0, kIntMax));
  cfg.n_kv_heads = static_cast<int>(c.integer("nKvHeads", cfg.n_heads, 0, kIntMax));
  cfg.head_dim = static_cast<int>(c.integer("headDim", cfg.n_heads > 0 ? cfg.hidden / cfg.n_heads : 0, 0, kIntMax));
  cfg.intermediate = static_cast<int>(c.integer("intermediate", 0, 0, kIntMax));
  cfg.vocab = static_cast<int>(c.integer("vocab", 0, 0, kIntMax));
  cfg.max_positions = static_cast<int>(c.integer("maxPositions", 2048, 0, kIntMax));
  cfg.rms_eps = static_cast<float>(c.number("rmsEps", 1e-5, 0, 1));
  cfg.rope_theta = c.number("ropeTheta", 10000, 0, 1e30);
  cfg.tie_embeddings = c.boolean("tieEmbeddings", false);
  cfg.qkv_bias = c.boolean("qkvBias", false);
  if (c.has("ropeScaling")) {
    const js::Fields r(c.get("ropeScaling"), c.name("ropeScaling"));
    const std::string type = r.string("type", "none");
    if (type == "linear") cfg.rope_scaling = RopeScaling::Linear;
    else if (type == "llama3") cfg.rope_scaling = RopeScaling::Llama3;
    else if (type != "none" && type != "default")
      throw Napi::TypeError::New(c.get("ropeScaling").Env(),
                                 "config.json: rope_scaling type \"" + type + "\" is not supported (linear, llama3)");
    cfg.rope_factor = r.number("factor", 1, 0, 1e9);
    cfg.rope_low_freq_factor = r.number("lowFreqFactor", 1, 0, 1e9);
    cfg.rope_high_freq_factor = r.number("highFreqFactor", 4, 0, 1e9);
    cfg.rope_original_max_positions = static_cast<int>(r.integer("originalMaxPositions", 8192, 0, kIntMax));
  }
  try {
    cfg.validate();
  } catch (const std::exception& e) {
    throw Napi::Error::New(c.get("hidden").Env(), e.what());
  }
  return cfg;
}

std::map<std::string, TensorSpec> parse_tensors(const js::Fields& o, const std::vector<std::string>& files) {
  Napi::Object tobj = o.object("tensors");
  Napi::Array names = tobj.GetPropertyNames();
  std::map<std::string, TensorSpec> tensors;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).ToString().Utf8Value();
    const js::Fields t(tobj.Get(name), "tensors[" + name + "]");
    TensorSpec spec;
    spec.file = static_cast<int>(t.required_integer("file", 0, static_cast<int64_t>(files.size()) - 1));
    const std::string dtype = t.string("dtype", "");
    try {
      spec.dtype = parse_dtype(dtype, "weight dtype");
    } catch (const std::invalid_argument&) {
      throw Napi::TypeError::New(tobj.Env(), "tensor " + name + ": dtype " + dtype + " is not supported (F32, F16, BF16)");
    }
    spec.offset = static_cast<int64_t>(t.number("offset", 0, 0, kMaxSafe));
    spec.nbytes = static_cast<int64_t>(t.number("nbytes", 0, 0, kMaxSafe));
    for (int64_t d : js::to_int_list(t.get("shape"), t.name("shape"), 0, INT64_C(1) << 40)) spec.shape.push_back(d);
    tensors[name] = std::move(spec);
  }
  return tensors;
}

}  // namespace

RuntimeSpec parse_runtime_options(Napi::Value options) {
  const js::Fields o(options, "options");
  RuntimeSpec s;
  s.model = parse_model_config(js::Fields(o.get("config"), "config"));
  s.files = js::to_string_list(o.get("files"), "options.files");
  s.tensors = parse_tensors(o, s.files);
  s.kv.n_layers = s.model.n_layers;
  s.kv.n_kv_heads = s.model.n_kv_heads;
  s.kv.head_dim = s.model.head_dim;
  s.kv.chunk_size = static_cast<int>(o.integer("chunkSize", 64, 1, 4096));
  // Absent: 0, the backend's default (the CPU: 256 MiB; CUDA: a fraction of free device memory).
  s.kv.pool_bytes = static_cast<size_t>(o.number("kvCacheBytes", 0, 1, kMaxSafe));
  s.kv.record_events = o.boolean("kvEvents", false);
  const std::string kv_dtype = o.string("kvDtype", "fp32");
  try {
    s.kv.dtype = parse_dtype(kv_dtype, "KV dtype");
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(options.Env(), std::string("options.kvDtype: ") + e.what());
  }
  s.scheduler.max_batch = static_cast<int>(o.integer("maxBatch", 32, INT32_MIN, INT32_MAX));  // the Scheduler checks
  s.scheduler.prefill_chunk = static_cast<int>(o.integer("prefillChunk", 512, INT32_MIN, INT32_MAX));
  s.scheduler.sharing = o.boolean("sharing", true);
  s.scheduler.decode_method =
      o.choice("decodeMethod", "tpp", {"tpp", "baseline"}) == "tpp" ? DecodeMethod::Tpp : DecodeMethod::Baseline;
  s.scheduler.max_running_per_namespace = static_cast<int>(o.integer("maxRunningPerNamespace", 0, 0, 1 << 20));
  s.device = o.string("device", "auto");
  s.threads = static_cast<int>(o.integer("threads", 0, 0, 1024));
  return s;
}

GenerateParams parse_generate_request(Napi::Value request) {
  const js::Fields r(request, "request");
  GenerateParams p;
  p.ns = r.string("namespace", "");
  if (p.ns.empty()) throw Napi::TypeError::New(request.Env(), "request.namespace must be a non-empty string");
  p.lane = r.string("lane", "");  // empty: the namespace
  p.prompt = js::to_tokens(r.get("promptTokens"), "request.promptTokens", 0, INT32_MAX);
  p.max_tokens = static_cast<int32_t>(r.integer("maxTokens", 16, INT32_MIN, INT32_MAX));
  p.n = static_cast<int32_t>(r.integer("n", 1, INT32_MIN, INT32_MAX));
  SamplingParams& s = p.sampling;
  s.temperature = static_cast<float>(r.number("temperature", 1, 0, 1e6));
  s.top_k = static_cast<int>(r.integer("topK", 0, 0, INT32_MAX));
  s.top_p = static_cast<float>(r.number("topP", 1, 0, 1));
  if (!(s.top_p > 0)) throw Napi::RangeError::New(request.Env(), "request.topP must be in (0, 1]");
  s.repetition_penalty = static_cast<float>(r.number("repetitionPenalty", 1, 0, 1e6));
  if (!(s.repetition_penalty > 0)) throw Napi::RangeError::New(request.Env(), "request.repetitionPenalty must be > 0");
  s.frequency_penalty = static_cast<float>(r.number("frequencyPenalty", 0, -1e6, 1e6));
  s.presence_penalty = static_cast<float>(r.number("presencePenalty", 0, -1e6, 1e6));
  s.logprobs = r.boolean("logprobs", false);
  // Up to the whole vocabulary (tests read full distributions); the HTTP API caps it at 20.
  s.top_logprobs = static_cast<int>(r.integer("topLogprobs", 0, 0, INT32_MAX));
  // A seed is any integer in [0, 2^53) (exact in a double); the sampler takes it modulo 2^64.
  p.seed = static_cast<uint64_t>(r.integer("seed", 0, 0, static_cast<int64_t>(kMaxSafe)));
  if (r.has("stopTokenIds")) p.stop_token_ids = js::to_tokens(r.get("stopTokenIds"), "request.stopTokenIds");
  return p;
}

}  // namespace chunkserve
