// The model runtime for JavaScript:
//   loadRuntime(options) -> Promise<LlmRuntime>   checkpoint mapped, weights resolved, KV pool
//                                                  allocated and the scheduler thread started
//                                                  in an AsyncWorker (boot does not block the
//                                                  event loop)
//   runtime.submit / prewarm / unpin / snapshot    post to the scheduler's inbox; answered by
//                                                  events (index.d.ts RuntimeEvent) delivered to
//                                                  options.onEvents in batches, on the JS thread
//   runtime.cancel / pause / setNamespaceWeight / stats / info / close
#include <memory>
#include <unordered_map>

#include "addon/device_info.h"
#include "addon/js_args.h"
#include "addon/registry.h"
#include "addon/runtime_events.h"
#include "addon/runtime_options.h"
#include "addon/snapshot_to_js.h"
#include "cuda/cuda_backend.h"

namespace chunkserve {
namespace {

constexpr size_t kDefaultHostKvBytes = size_t(256) << 20;  // kvCacheBytes absent, on the CPU

// Delivers the scheduler's events to the JS callback through a thread-safe function, and keeps
// Node's event loop alive only while some request still expects events (an idle engine does not
// hold the process open). `remaining` is touched on the JS thread only.
class EventChannel {
 public:
  EventChannel(Napi::Env env, Napi::Function callback)
      : tsfn_(Napi::ThreadSafeFunction::New(env, callback, "chunkserve-runtime-events", 0, 1)),
        state_(std::make_shared<State>()) {
    tsfn_.Unref(env);  // idle until a request is submitted
  }

  // The scheduler's sink: called on the scheduler thread.
  Scheduler::EventSink sink() {
    Napi::ThreadSafeFunction tsfn = tsfn_;
    std::shared_ptr<State> state = state_;
    return [tsfn, state](std::vector<RuntimeEvent>&& events) mutable {
      auto* batch = new std::vector<RuntimeEvent>(std::move(events));
      auto deliver = [tsfn, state](Napi::Env env, Napi::Function fn, std::vector<RuntimeEvent>* b) {
        std::unique_ptr<std::vector<RuntimeEvent>> owned(b);
        if (env == nullptr) return;  // the environment is shutting down
        Napi::Array arr = Napi::Array::New(env, owned->size());
        for (size_t i = 0; i < owned->size(); ++i) {
          const RuntimeEvent& e = (*owned)[i];
          arr.Set(static_cast<uint32_t>(i), event_to_js(env, e));
          auto it = state->remaining.find(e.request_id);
          if (it == state->remaining.end()) continue;
          if (e.kind == EventKind::Error || (e.kind != EventKind::Token && --it->second == 0)) state->remaining.erase(it);
        }
        if (state->remaining.empty() && !state->closed) tsfn.Unref(env);
        fn.Call({arr});
      };
      if (tsfn.NonBlockingCall(batch, deliver) != napi_ok) delete batch;
    };
  }

  // Whether events are still expected for id (ids may be reused only once their request ended).
  bool in_flight(int64_t id) const { return state_->remaining.count(id) != 0; }

  // A request now in flight: n ending events (index.d.ts) will end it.
  void expect(Napi::Env env, int64_t id, int32_t n) {
    state_->remaining[id] = n;
    tsfn_.Ref(env);
  }
  void close() {
    if (state_->closed) return;
    state_->closed = true;
    tsfn_.Release();
  }

 private:
  struct State {
    std::unordered_map<int64_t, int32_t> remaining;  // request id -> ending events still due
    bool closed = false;
  };
  Napi::ThreadSafeFunction tsfn_;
  std::shared_ptr<State> state_;
};

// What a LoadWorker hands to the LlmRuntime it creates.
struct LoadedRuntime {
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<EventChannel> events;
};

class LlmRuntime : public Napi::ObjectWrap<LlmRuntime> {
 public:
  static Napi::Function Init(Napi::Env env) {
    Napi::Function ctor = DefineClass(
        env, "LlmRuntime",
        {InstanceMethod("submit", &LlmRuntime::Submit), InstanceMethod("prewarm", &LlmRuntime::Prewarm),
         InstanceMethod("unpin", &LlmRuntime::Unpin), InstanceMethod("snapshot", &LlmRuntime::Snapshot),
         InstanceMethod("cancel", &LlmRuntime::Cancel), InstanceMethod("pause", &LlmRuntime::Pause),
         InstanceMethod("setNamespaceWeight", &LlmRuntime::SetNamespaceWeight), InstanceMethod("stats", &LlmRuntime::Stats),
         InstanceMethod("info", &LlmRuntime::Info), InstanceMethod("close", &LlmRuntime::Close)});
    env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(ctor)));
    return ctor;
  }

  // Wraps a loaded runtime in a new JS object (on the JS thread).
  static Napi::Object Wrap(Napi::Env env, LoadedRuntime loaded) {
    auto* boxed = new LoadedRuntime(std::move(loaded));
    return env.GetInstanceData<Napi::FunctionReference>()->New({Napi::External<LoadedRuntime>::New(env, boxed)});
  }

  explicit LlmRuntime(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LlmRuntime>(info) {
    if (!js::arg(info, 0).IsExternal())
      throw Napi::TypeError::New(info.Env(), "LlmRuntime cannot be constructed directly: use loadRuntime(options)");
    std::unique_ptr<LoadedRuntime> loaded(info[0].As<Napi::External<LoadedRuntime>>().Data());
    sched_ = std::move(loaded->scheduler);
    events_ = std::move(loaded->events);
  }

  ~LlmRuntime() override { shutdown(); }

 private:
  Scheduler& sched(Napi::Env env) {
    if (!sched_) throw Napi::Error::New(env, "LlmRuntime is closed");
    return *sched_;
  }
  int64_t request_id(const Napi::CallbackInfo& info) {
    return js::to_int(js::arg(info, 0), "id", 0, INT64_C(9007199254740991));
  }
  // The id of a new request: refused while an earlier request with that id is in flight (the
  // scheduler keys its requests by id).
  int64_t new_request_id(const Napi::CallbackInfo& info) {
    const int64_t id = request_id(info);
    if (events_->in_flight(id))
      throw Napi::Error::New(info.Env(), "request id " + std::to_string(id) + " is already in flight");
    return id;
  }

  Napi::Value Submit(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Scheduler& s = sched(env);
    const int64_t id = new_request_id(info);
    GenerateParams p = js::guarded(env, [&] { return parse_generate_request(js::arg(info, 1)); });
    const int32_t n = p.n;
    js::guarded(env, [&] { s.submit(id, std::move(p)); });
    events_->expect(env, id, n);
    return env.Undefined();
  }

  // prewarm(id, namespace, tokens) and unpin(id, namespace, tokens): one ending event each.
  template <class Post>
  Napi::Value PrefixCall(const Napi::CallbackInfo& info, Post post) {
    Napi::Env env = info.Env();
    Scheduler& s = sched(env);
    const int64_t id = new_request_id(info);
    const std::string ns = js::to_string(js::arg(info, 1), "namespace");
    auto tokens = js::to_tokens(js::arg(info, 2), "tokens", 0, INT32_MAX);
    js::guarded(env, [&] { post(s, id, ns, std::move(tokens)); });
    events_->expect(env, id, 1);
    return env.Undefined();
  }
  Napi::Value Prewarm(const Napi::CallbackInfo& info) {
    return PrefixCall(info, [](Scheduler& s, int64_t id, const std::string& ns, std::vector<int32_t> t) {
      s.prewarm(id, ns, std::move(t));
    });
  }
  Napi::Value Unpin(const Napi::CallbackInfo& info) {
    return PrefixCall(info, [](Scheduler& s, int64_t id, const std::string& ns, std::vector<int32_t> t) {
      s.unpin(id, ns, std::move(t));
    });
  }

  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Scheduler& s = sched(env);
    const int64_t id = new_request_id(info);
    const Napi::Value ns = js::arg(info, 1);
    s.snapshot(id, js::is_missing(ns) ? "" : js::to_string(ns, "namespace"));
    events_->expect(env, id, 1);
    return env.Undefined();
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int64_t id = request_id(info);
    const Napi::Value choice = js::arg(info, 1);
    sched(env).cancel(id, js::is_missing(choice) ? -1 : static_cast<int32_t>(js::to_int(choice, "choice", 0, INT32_MAX)));
    return env.Undefined();
  }

  Napi::Value Pause(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const int64_t id = request_id(info);
    sched(env).pause(id, js::to_bool(js::arg(info, 1), "paused"));
    return env.Undefined();
  }

  Napi::Value SetNamespaceWeight(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string ns = js::to_string(js::arg(info, 0), "namespace");
    const int weight = static_cast<int>(js::to_int(js::arg(info, 1), "weight", 1, 1000));
    sched(env).set_weight(ns, weight);
    return env.Undefined();
  }

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const SchedulerStats s = sched(env).stats();
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
    o.Set("backend", device_kind_name(s.backend().device()));
    o.Set("threads", s.backend().threads());
    set_device_fields(o, s.backend().device() == DeviceKind::Cuda);
    o.Set("maxBatch", s.scheduler_config().max_batch);
    o.Set("prefillChunk", s.scheduler_config().prefill_chunk);
    o.Set("chunkSize", s.chunk_size());
    o.Set("sharing", s.scheduler_config().sharing);
    o.Set("maxRunningPerNamespace", s.scheduler_config().max_running_per_namespace);
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    shutdown();
    return info.Env().Undefined();
  }

  void shutdown() {
    if (sched_) {
      sched_->stop();
      sched_.reset();
    }
    if (events_) events_->close();
  }

  std::unique_ptr<Scheduler> sched_;
  std::unique_ptr<EventChannel> events_;
};

// Maps the checkpoint, resolves the weights, makes the backend and its KV pool and starts the
// scheduler, off the JS thread; resolves with the LlmRuntime.
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, RuntimeSpec spec, std::unique_ptr<EventChannel> events)
      : Napi::AsyncWorker(env, "chunkserve-load-runtime"),
        deferred_(Napi::Promise::Deferred::New(env)),
        spec_(std::move(spec)),
        events_(std::move(events)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      const DeviceChoice device = select_device(spec_.device);
      KvCacheConfig kv = spec_.kv;
      std::unique_ptr<Backend> backend;
      if (device.kind == DeviceKind::Cuda) {
        kv = cuda_kv_config(kv, spec_.model);  // 16-bit K/V; the default pool from free device memory
        backend = make_cuda_backend(spec_.model);
      } else {
        if (kv.pool_bytes == 0) kv.pool_bytes = kDefaultHostKvBytes;
        backend = make_cpu_backend(spec_.model, spec_.threads);
      }
      auto weights = ModelWeights::load(spec_.model, spec_.files, spec_.tensors);
      scheduler_ = std::make_unique<Scheduler>(spec_.model, std::move(weights), kv, std::move(backend),
                                               spec_.scheduler, events_->sink());
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(LlmRuntime::Wrap(env, LoadedRuntime{std::move(scheduler_), std::move(events_)}));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override {
    events_->close();
    deferred_.Reject(e.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  RuntimeSpec spec_;
  std::unique_ptr<EventChannel> events_;
  std::unique_ptr<Scheduler> scheduler_;
};

Napi::Value LoadRuntime(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RuntimeSpec spec = parse_runtime_options(js::arg(info, 0));
  const Napi::Value cb = info[0].As<Napi::Object>().Get("onEvents");
  if (!cb.IsFunction()) throw Napi::TypeError::New(env, "options.onEvents must be a function");
  auto* worker = new LoadWorker(env, std::move(spec), std::make_unique<EventChannel>(env, cb.As<Napi::Function>()));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("LlmRuntime", LlmRuntime::Init(env));
  exports.Set("loadRuntime", Napi::Function::New(env, LoadRuntime, "loadRuntime"));
});

}  // namespace chunkserve
