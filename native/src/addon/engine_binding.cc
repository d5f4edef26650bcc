// LlmRuntime: the model runtime for JavaScript. Loads a checkpoint (tensor locations resolved by
// libs/engine from the safetensors headers), owns the scheduler thread, and streams its events to
// a JS callback through a thread-safe function.
#include <map>
#include <memory>
#include <unordered_map>

#include "addon/registry.h"
#include "addon/snapshot_to_js.h"
#include "common/backend.h"
#include "common/thread_pool.h"
#include "runtime/scheduler.h"

namespace chunkserve {
namespace {

// Reads optional fields of a JS options object with clear type errors.
struct Opts {
  Napi::Env env;
  Napi::Object obj;
  std::string where;

  bool has(const char* k) const { return obj.Has(k) && !obj.Get(k).IsUndefined() && !obj.Get(k).IsNull(); }
  double num(const char* k, double def) const {
    if (!has(k)) return def;
    Napi::Value v = obj.Get(k);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, where + "." + k + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  }
  int32_t integer(const char* k, int32_t def) const {
    double d = num(k, def);
    if (d != static_cast<double>(static_cast<int64_t>(d)) || d < -2147483648.0 || d > 2147483647.0)
      throw Napi::TypeError::New(env, where + "." + k + " must be an integer");
    return static_cast<int32_t>(d);
  }
  bool boolean(const char* k, bool def) const {
    if (!has(k)) return def;
    Napi::Value v = obj.Get(k);
    if (!v.IsBoolean()) throw Napi::TypeError::New(env, where + "." + k + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }
  std::string str(const char* k, const std::string& def) const {
    if (!has(k)) return def;
    Napi::Value v = obj.Get(k);
    if (!v.IsString()) throw Napi::TypeError::New(env, where + "." + k + " must be a string");
    return v.As<Napi::String>().Utf8Value();
  }
  Napi::Object object(const char* k) const {
    Napi::Value v = obj.Get(k);
    if (!v.IsObject()) throw Napi::TypeError::New(env, where + "." + k + " must be an object");
    return v.As<Napi::Object>();
  }
};

std::vector<int32_t> to_tokens(Napi::Env env, Napi::Value v, const char* what) {
  std::vector<int32_t> out;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    out.assign(a.Data(), a.Data() + a.ElementLength());
    return out;
  }
  if (!v.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of token ids");
  Napi::Array a = v.As<Napi::Array>();
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(i) + "] must be a number");
    double d = e.As<Napi::Number>().DoubleValue();
    if (d != static_cast<double>(static_cast<int64_t>(d)) || d < 0 || d > 2147483647.0)
      throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(i) + "] must be a non-negative integer");
    out.push_back(static_cast<int32_t>(d));
  }
  return out;
}

DType parse_weight_dtype(Napi::Env env, const std::string& s, const std::string& name) {
  if (s == "F32") return DType::F32;
  if (s == "F16") return DType::F16;
  if (s == "BF16") return DType::BF16;
  throw Napi::TypeError::New(env, "tensor " + name + ": dtype " + s + " is not supported (F32, F16, BF16)");
}

ModelConfig parse_config(Napi::Env env, Napi::Object o) {
  Opts c{env, o, "config"};
  ModelConfig cfg;
  cfg.architecture = c.str("architecture", "LlamaForCausalLM");
  cfg.hidden = c.integer("hidden", 0);
  cfg.n_layers = c.integer("nLayers", 0);
  cfg.n_heads = c.integer("nHeads", 0);
  cfg.n_kv_heads = c.integer("nKvHeads", cfg.n_heads);
  cfg.head_dim = c.integer("headDim", cfg.n_heads > 0 ? cfg.hidden / cfg.n_heads : 0);
  cfg.intermediate = c.integer("intermediate", 0);
  cfg.vocab = c.integer("vocab", 0);
  cfg.max_positions = c.integer("maxPositions", 2048);
  cfg.rms_eps = static_cast<float>(c.num("rmsEps", 1e-5));
  cfg.rope_theta = c.num("ropeTheta", 10000);
  cfg.tie_embeddings = c.boolean("tieEmbeddings", false);
  cfg.qkv_bias = c.boolean("qkvBias", false);
  if (c.has("ropeScaling")) {
    Opts r{env, c.object("ropeScaling"), "config.ropeScaling"};
    const std::string type = r.str("type", "none");
    if (type == "linear") cfg.rope_scaling = RopeScaling::Linear;
    else if (type == "llama3") cfg.rope_scaling = RopeScaling::Llama3;
    else if (type != "none" && type != "default")
      throw Napi::TypeError::New(env, "config.json: rope_scaling type \"" + type + "\" is not supported (linear, llama3)");
    cfg.rope_factor = r.num("factor", 1);
    cfg.rope_low_freq_factor = r.num("lowFreqFactor", 1);
    cfg.rope_high_freq_factor = r.num("highFreqFactor", 4);
    cfg.rope_original_max_positions = r.integer("originalMaxPositions", 8192);
  }
  try {
    cfg.validate();
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  return cfg;
}

Napi::Object event_to_js(Napi::Env env, const RuntimeEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("requestId", static_cast<double>(e.request_id));
  switch (e.kind) {
    case EventKind::Token: {
      o.Set("type", "token");
      o.Set("choice", e.choice);
      o.Set("tokenId", e.token);
      if (e.has_logprob) {
        o.Set("logprob", e.logprob);
        Napi::Array top = Napi::Array::New(env, e.top.size());
        for (size_t i = 0; i < e.top.size(); ++i) {
          Napi::Object t = Napi::Object::New(env);
          t.Set("tokenId", e.top[i].token);
          t.Set("logprob", e.top[i].logprob);
          top.Set(static_cast<uint32_t>(i), t);
        }
        o.Set("topLogprobs", top);
      }
      break;
    }
    case EventKind::Done: {
      o.Set("type", "done");
      o.Set("choice", e.choice);
      o.Set("finishReason", e.finish_reason);
      Napi::Object usage = Napi::Object::New(env);
      usage.Set("promptTokens", e.prompt_tokens);
      usage.Set("cachedTokens", e.cached_tokens);
      usage.Set("completionTokens", e.completion_tokens);
      o.Set("usage", usage);
      Napi::Object timings = Napi::Object::New(env);
      timings.Set("queuedMs", e.queued_ms);
      timings.Set("ttftMs", e.ttft_ms);
      timings.Set("tokensPerSecond", e.tokens_per_second);
      o.Set("timings", timings);
      break;
    }
    case EventKind::Prewarmed: {
      o.Set("type", "prewarmed");
      o.Set("tokens", e.prompt_tokens);
      o.Set("cachedTokens", e.cached_tokens);
      o.Set("chunks", e.chunks);
      Napi::Array ids = Napi::Array::New(env, e.chunk_ids.size());
      for (size_t i = 0; i < e.chunk_ids.size(); ++i) ids.Set(static_cast<uint32_t>(i), e.chunk_ids[i]);
      o.Set("chunkIds", ids);
      break;
    }
    case EventKind::Error:
      o.Set("type", "error");
      o.Set("message", e.message);
      break;
  }
  return o;
}

// Requests whose events are still expected, so that the event callback keeps Node's event loop
// alive only while there are some (an idle engine does not hold the process open).
// Touched on the JS thread only.
struct InFlight {
  std::unordered_map<int64_t, int32_t> remaining;  // request id -> events that end it
  bool closed = false;
};

class LlmRuntime : public Napi::ObjectWrap<LlmRuntime> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "LlmRuntime",
                       {InstanceMethod("submit", &LlmRuntime::Submit), InstanceMethod("prewarm", &LlmRuntime::Prewarm),
                        InstanceMethod("cancel", &LlmRuntime::Cancel), InstanceMethod("unpin", &LlmRuntime::Unpin),
                        InstanceMethod("snapshot", &LlmRuntime::Snapshot), InstanceMethod("stats", &LlmRuntime::Stats),
                        InstanceMethod("info", &LlmRuntime::Info), InstanceMethod("close", &LlmRuntime::Close)});
  }

  explicit LlmRuntime(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LlmRuntime>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "new LlmRuntime(options): options must be an object");
    Opts o{env, info[0].As<Napi::Object>(), "options"};
    ModelConfig cfg = parse_config(env, o.object("config"));

    // Checkpoint files and tensor locations.
    Napi::Value files_v = o.obj.Get("files");
    if (!files_v.IsArray()) throw Napi::TypeError::New(env, "options.files must be an array of paths");
    std::vector<std::string> files;
    Napi::Array fa = files_v.As<Napi::Array>();
    for (uint32_t i = 0; i < fa.Length(); ++i) files.push_back(fa.Get(i).ToString().Utf8Value());
    std::map<std::string, TensorSpec> tensors;
    Napi::Object tobj = o.object("tensors");
    Napi::Array names = tobj.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      const std::string name = names.Get(i).ToString().Utf8Value();
      Opts t{env, tobj.Get(name).As<Napi::Object>(), "tensors[" + name + "]"};
      TensorSpec spec;
      spec.file = t.integer("file", 0);
      spec.dtype = parse_weight_dtype(env, t.str("dtype", ""), name);
      spec.offset = static_cast<int64_t>(t.num("offset", 0));
      spec.nbytes = static_cast<int64_t>(t.num("nbytes", 0));
      Napi::Value shape = t.obj.Get("shape");
      if (!shape.IsArray()) throw Napi::TypeError::New(env, "tensors[" + name + "].shape must be an array");
      Napi::Array sa = shape.As<Napi::Array>();
      for (uint32_t j = 0; j < sa.Length(); ++j) spec.shape.push_back(static_cast<int64_t>(sa.Get(j).As<Napi::Number>().DoubleValue()));
      tensors[name] = std::move(spec);
    }

    KvCacheConfig kv;
    kv.n_layers = cfg.n_layers;
    kv.n_kv_heads = cfg.n_kv_heads;
    kv.head_dim = cfg.head_dim;
    kv.chunk_size = o.integer("chunkSize", 64);
    kv.pool_bytes = static_cast<size_t>(o.num("kvCacheBytes", 256.0 * (1 << 20)));
    SchedulerConfig sc;
    sc.max_batch = o.integer("maxBatch", 32);
    sc.prefill_chunk = o.integer("prefillChunk", 512);
    sc.sharing = o.boolean("sharing", true);
    const std::string method = o.str("decodeMethod", "tpp");
    if (method != "tpp" && method != "baseline") throw Napi::TypeError::New(env, "options.decodeMethod must be \"tpp\" or \"baseline\"");
    sc.decode_method = method == "tpp" ? DecodeMethod::Tpp : DecodeMethod::Baseline;

    Napi::Value cb = o.obj.Get("onEvents");
    if (!cb.IsFunction()) throw Napi::TypeError::New(env, "options.onEvents must be a function");

    try {
      kv.dtype = parse_dtype(o.str("kvDtype", "fp32"));
      BackendChoice choice = select_backend(o.str("device", requested_device_from_env()));
      DeviceBackend device;
      if (choice.backend == Backend::Cuda && cuda_backend_factory() != nullptr) {
        device = cuda_backend_factory()(cfg, kv);
        backend_name_ = "cuda";
      } else {
        if (choice.backend == Backend::Cuda && o.str("device", requested_device_from_env()) == "cuda")
          throw std::runtime_error("device cuda: this build has no CUDA forward backend for the model runtime yet");
        device.forward = make_cpu_backend(cfg);
        backend_name_ = "cpu";
      }
      auto weights = ModelWeights::load(cfg, files, tensors);
      tsfn_ = Napi::ThreadSafeFunction::New(env, cb.As<Napi::Function>(), "chunkserve-runtime-events", 0, 1);
      tsfn_.Unref(env);  // idle until a request is submitted
      Napi::ThreadSafeFunction tsfn = tsfn_;
      std::shared_ptr<InFlight> inflight = inflight_;
      auto sink = [tsfn, inflight](std::vector<RuntimeEvent>&& events) mutable {
        auto* batch = new std::vector<RuntimeEvent>(std::move(events));
        napi_status st = tsfn.NonBlockingCall(batch, [tsfn, inflight](Napi::Env env, Napi::Function fn, std::vector<RuntimeEvent>* b) {
          std::unique_ptr<std::vector<RuntimeEvent>> owned(b);
          if (env == nullptr) return;  // the environment is shutting down
          Napi::Array arr = Napi::Array::New(env, owned->size());
          for (size_t i = 0; i < owned->size(); ++i) {
            const RuntimeEvent& e = (*owned)[i];
            arr.Set(static_cast<uint32_t>(i), event_to_js(env, e));
            auto it = inflight->remaining.find(e.request_id);
            if (it == inflight->remaining.end()) continue;
            if (e.kind == EventKind::Error || (e.kind != EventKind::Token && --it->second == 0)) inflight->remaining.erase(it);
          }
          if (inflight->remaining.empty() && !inflight->closed) tsfn.Unref(env);
          fn.Call({arr});
        });
        if (st != napi_ok) delete batch;
      };
      sched_ = std::make_unique<Scheduler>(cfg, std::move(weights), kv, std::move(device.storage),
                                           std::move(device.forward), sc, sink);
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      if (tsfn_) tsfn_.Release();
      throw Napi::Error::New(env, e.what());
    }
  }

 private:
  // A request now in flight: n events (one done per choice, or one prewarmed) will end it.
  void expect_events(Napi::Env env, int64_t id, int32_t n) {
    inflight_->remaining[id] = n;
    tsfn_.Ref(env);
  }

  Scheduler& sched(Napi::Env env) {
    if (!sched_) throw Napi::Error::New(env, "LlmRuntime is closed");
    return *sched_;
  }

  Napi::Value Submit(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Scheduler& s = sched(env);
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsObject())
      throw Napi::TypeError::New(env, "submit(id, request): id must be a number and request an object");
    Opts r{env, info[1].As<Napi::Object>(), "request"};
    GenerateParams p;
    p.ns = r.str("namespace", "");
    if (p.ns.empty()) throw Napi::TypeError::New(env, "request.namespace must be a non-empty string");
    p.prompt = to_tokens(env, r.obj.Get("promptTokens"), "request.promptTokens");
    p.max_tokens = r.integer("maxTokens", 16);
    p.n = r.integer("n", 1);
    p.sampling.temperature = static_cast<float>(r.num("temperature", 1));
    p.sampling.top_k = r.integer("topK", 0);
    p.sampling.top_p = static_cast<float>(r.num("topP", 1));
    p.sampling.repetition_penalty = static_cast<float>(r.num("repetitionPenalty", 1));
    p.sampling.frequency_penalty = static_cast<float>(r.num("frequencyPenalty", 0));
    p.sampling.presence_penalty = static_cast<float>(r.num("presencePenalty", 0));
    p.sampling.logprobs = r.boolean("logprobs", false);
    p.sampling.top_logprobs = r.integer("topLogprobs", 0);
    p.seed = static_cast<uint64_t>(r.num("seed", 0));
    if (r.has("stopTokenIds")) p.stop_token_ids = to_tokens(env, r.obj.Get("stopTokenIds"), "request.stopTokenIds");
    if (p.sampling.temperature < 0) throw Napi::RangeError::New(env, "temperature must be >= 0");
    if (!(p.sampling.top_p > 0 && p.sampling.top_p <= 1)) throw Napi::RangeError::New(env, "topP must be in (0, 1]");
    if (p.sampling.top_k < 0) throw Napi::RangeError::New(env, "topK must be >= 0");
    if (p.sampling.repetition_penalty <= 0) throw Napi::RangeError::New(env, "repetitionPenalty must be > 0");
    // Up to the whole vocabulary (tests read full distributions); the HTTP API caps it at 20.
    if (p.sampling.top_logprobs < 0) throw Napi::RangeError::New(env, "topLogprobs must be >= 0");
    const int64_t id = info[0].As<Napi::Number>().Int64Value();
    const int32_t n = p.n;
    try {
      s.submit(id, std::move(p));
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
    expect_events(env, id, n);
    return env.Undefined();
  }

  Napi::Value Prewarm(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Scheduler& s = sched(env);
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString())
      throw Napi::TypeError::New(env, "prewarm(id, namespace, tokens)");
    const int64_t id = info[0].As<Napi::Number>().Int64Value();
    try {
      s.prewarm(id, info[1].As<Napi::String>().Utf8Value(), to_tokens(env, info[2], "tokens"));
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
    expect_events(env, id, 1);
    return env.Undefined();
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "cancel(id, choice?): id must be a number");
    int32_t choice = -1;
    if (info.Length() > 1 && info[1].IsNumber()) choice = info[1].As<Napi::Number>().Int32Value();
    sched(env).cancel(info[0].As<Napi::Number>().Int64Value(), choice);
    return env.Undefined();
  }

  Napi::Value Unpin(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString()) throw Napi::TypeError::New(env, "unpin(namespace, tokens)");
    try {
      return Napi::Number::New(env, static_cast<double>(sched(env).unpin(info[0].As<Napi::String>().Utf8Value(),
                                                                         to_tokens(env, info[1], "tokens"))));
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Napi::Error::New(env, e.what());
    }
  }

  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string only;
    if (info.Length() > 0 && info[0].IsString()) only = info[0].As<Napi::String>().Utf8Value();
    return snapshot_to_js(env, sched(env).snapshot(), only);
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    SchedulerStats s = sched(env).stats();
    Napi::Object o = counters_to_js(env, s.cache);
    o.Set("running", static_cast<double>(s.running));
    o.Set("waiting", static_cast<double>(s.waiting));
    o.Set("generatedTokens", static_cast<double>(s.generated_tokens));
    o.Set("promptTokens", static_cast<double>(s.prompt_tokens));
    o.Set("computedPromptTokens", static_cast<double>(s.computed_prompt_tokens));
    o.Set("preemptions", static_cast<double>(s.preemptions));
    o.Set("steps", static_cast<double>(s.steps));
    o.Set("requestsFinished", static_cast<double>(s.requests_finished));
    return o;
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Scheduler& s = sched(env);
    Napi::Object o = Napi::Object::New(env);
    o.Set("backend", backend_name_);
    o.Set("threads", ThreadPool::global().size());
    o.Set("maxBatch", s.scheduler_config().max_batch);
    o.Set("prefillChunk", s.scheduler_config().prefill_chunk);
    o.Set("sharing", s.scheduler_config().sharing);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (sched_) {
      sched_->stop();
      sched_.reset();
      inflight_->closed = true;
      tsfn_.Release();
    }
    return info.Env().Undefined();
  }

  std::unique_ptr<Scheduler> sched_;
  Napi::ThreadSafeFunction tsfn_;
  std::shared_ptr<InFlight> inflight_ = std::make_shared<InFlight>();
  std::string backend_name_;
};

}  // namespace

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("LlmRuntime", LlmRuntime::Init(env));
});

}  // namespace chunkserve
