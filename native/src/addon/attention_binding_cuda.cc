// The JS KvCache's attention on the GPU, so the engine's correctness suite runs against CUDA:
//   cudaDecodeAttention(cache, seqs, layer, q, { method, threshold, executor }) -> Float32Array
//   cudaPrefillAttention(cache, seq, layer, pos0, q, nHeads, { executor }) -> Float32Array
// Same arguments and results as cache.decodeAttention / cache.prefillAttention.
// executor "cuda" (default) runs the GPU kernels; "host" runs the same device plan through the
// host emulation (cuda/tpp_host_exec.h), so the engine's real work lists are checked against
// the plan on machines without a GPU.
//
// The JS KvCache keeps its pool in host memory (writeKV converts fp32 on the host), so each call
// copies that pool into a device pool of the same layout (a test harness, not the serving path:
// a GPU runtime builds KvCache over a CudaChunkStorage and writes K/V with the device kernels).
// The work lists are the engine's (a DecodePlan over the cache, grouped with the CUDA segment
// policy); the CudaTppDecoder re-uploads them only when they change. Throws where the build has
// no CUDA backend or no device is usable.
#include <string>
#include <vector>

#include "addon/js_args.h"
#include "addon/kv_cache_object.h"
#include "addon/registry.h"
#include "common/device.h"
#include "cuda/tpp_device_plan.h"
#include "cuda/tpp_host_exec.h"
#ifdef CHUNKSERVE_WITH_CUDA
#include "cuda/tpp_decoder.h"
#include "cuda/tpp_prefill.h"
#endif

namespace chunkserve {

namespace {

// What these functions keep per JS KvCache, owned by that object (freed with it): decode plans
// grouped for the GPU and, with a GPU, the device copy of the pool and the decoders.
struct CudaState {
  DecodePlan tpp{DecodeMethod::Tpp}, baseline{DecodeMethod::Baseline};
#ifdef CHUNKSERVE_WITH_CUDA
  std::unique_ptr<CudaChunkStorage> pool;
  std::unique_ptr<CudaTppDecoder> tpp_decoder, baseline_decoder;
  DeviceBuffer q, out;
#endif
  DecodePlan& plan(DecodeMethod m) { return m == DecodeMethod::Tpp ? tpp : baseline; }
};

CudaState& state_of(Napi::Env env, Napi::Object js_cache) {
  const char* key = "__chunkserveCudaState";
  Napi::Value v = js_cache.Get(key);
  if (v.IsExternal()) return *v.As<Napi::External<CudaState>>().Data();
  auto* st = new CudaState();
  auto ext = Napi::External<CudaState>::New(env, st, [](Napi::Env, CudaState* p) { delete p; });
  js_cache.DefineProperty(Napi::PropertyDescriptor::Value(key, ext, napi_default));  // hidden, read-only
  return *st;
}

#ifdef CHUNKSERVE_WITH_CUDA
// The device pool, made on first use and refreshed from the host pool on every call.
CudaChunkStorage& synced_pool(CudaState& st, KvCache& cache) {
  if (!st.pool) st.pool = std::make_unique<CudaChunkStorage>(cache.layout(), cache.layout().chunk_bytes() * cache.storage().capacity());
  st.pool->upload_chunks(0, cache.storage().capacity(), cache.storage().host_chunk(0));
  return *st.pool;
}

CudaTppDecoder& decoder(CudaState& st, DecodeMethod m) {
  std::unique_ptr<CudaTppDecoder>& d = m == DecodeMethod::Tpp ? st.tpp_decoder : st.baseline_decoder;
  if (!d) d = std::make_unique<CudaTppDecoder>();
  return *d;
}

// Runs one device launch on q (poisoned output: an unwritten element cannot pass) and copies the
// result into out.
template <class Launch>
void run_on_device(CudaState& st, Napi::Float32Array q, Napi::Float32Array out, Launch&& launch) {
  const size_t bytes = q.ElementLength() * sizeof(float);
  st.q.reserve(bytes);
  st.out.reserve(bytes);
  st.q.upload(q.Data(), bytes);
  st.out.fill_bytes(0xff, bytes);  // NaN poison
  launch(static_cast<const float*>(st.q.get()), static_cast<float*>(st.out.get()));
  cuda_synchronize("attention");
  st.out.download(out.Data(), bytes);
}
#endif

KvCacheObject& unwrap_cache(Napi::Value v) {
  KvCacheObject* obj = v.IsObject() ? KvCacheObject::Unwrap(v.As<Napi::Object>()) : nullptr;
  if (obj == nullptr) throw Napi::TypeError::New(v.Env(), "cache must be a KvCache");
  return *obj;
}

// options.executor: "cuda" (default) needs a usable GPU; "host" runs anywhere.
bool on_host(Napi::Value opts) {
  const bool host = opts.IsObject() && js::Fields(opts, "options").choice("executor", "cuda", {"cuda", "host"}) == "host";
  if (!host) js::guarded(opts.Env(), [] { select_device("cuda"); });
  return host;
}

// Host pool of a fp16/bf16 cache as storage words (the emulation reads them directly).
const uint16_t* host_pool(KvCache& cache) {
  if (cache.layout().dtype == DType::F32) throw CacheError("the CUDA kernels need a fp16 or bf16 cache, not fp32");
  return reinterpret_cast<const uint16_t*>(cache.storage().host_chunk(0));
}

Napi::Value CudaDecodeAttention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value opts = js::arg(info, 4);
  const bool host = on_host(opts);
  KvCacheObject& obj = unwrap_cache(js::arg(info, 0));
  KvCache& cache = obj.live_cache(env);
  const KvCacheConfig& c = cache.config();
  const auto ids = js::to_int_list(js::arg(info, 1), "seqs", 0, int64_t(1) << 53);
  const std::vector<SeqId> seqs(ids.begin(), ids.end());
  const int layer = static_cast<int>(js::to_int(js::arg(info, 2), "layer", 0, c.n_layers - 1));
  Napi::Float32Array q = js::to_f32(js::arg(info, 3), "q");
  if (seqs.empty()) return Napi::Float32Array::New(env, 0);
  const size_t per_head = seqs.size() * static_cast<size_t>(c.head_dim);
  if (q.ElementLength() == 0 || q.ElementLength() % per_head != 0)
    throw Napi::RangeError::New(env, "cudaDecodeAttention: q length is not a positive multiple of seqs x headDim");
  const int n_heads = static_cast<int>(q.ElementLength() / per_head);
  const Napi::Object o = opts.IsObject() ? opts.As<Napi::Object>() : Napi::Object::New(env);
  const DecodeMethod method = to_decode_method(o.Get("method"), "options.method");
  CudaState& st = state_of(env, info[0].As<Napi::Object>());
  DecodePlan& plan = st.plan(method);
  if (!js::is_missing(o.Get("threshold")))
    plan.set_tpp_threshold(static_cast<int32_t>(js::to_int(o.Get("threshold"), "options.threshold", 1, INT32_MAX)));
  Napi::Float32Array out = Napi::Float32Array::New(env, q.ElementLength());
  js::guarded(env, [&] {
    if (host) {
      plan.set_segment_policy(cuda_segment_policy(cache.layout(), n_heads, 8));
      const DecodeWorkList& work = plan.prepare(cache, seqs);
      const TppDevicePlan dp = build_tpp_device_plan(work, cache.layout(), n_heads);
      tpp_host_decode(dp, cache.layout(), host_pool(cache), layer, n_heads, work.seq_len, q.Data(), out.Data());
      return;
    }
#ifdef CHUNKSERVE_WITH_CUDA
    CudaTppDecoder& dec = decoder(st, method);
    plan.set_segment_policy(dec.policy(cache.layout(), n_heads));
    dec.prepare(plan.prepare(cache, seqs), cache.layout(), n_heads);
    CudaChunkStorage& pool = synced_pool(st, cache);
    run_on_device(st, q, out, [&](const float* qd, float* od) { dec.decode(pool, layer, qd, od); });
#endif
  });
  return out;
}

Napi::Value CudaPrefillAttention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value opts = js::arg(info, 6);
  const bool host = on_host(opts);
  KvCacheObject& obj = unwrap_cache(js::arg(info, 0));
  KvCache& cache = obj.live_cache(env);
  const KvCacheConfig& c = cache.config();
  const SeqId seq = js::to_int(js::arg(info, 1), "seq", 0, int64_t(1) << 53);
  const int layer = static_cast<int>(js::to_int(js::arg(info, 2), "layer", 0, c.n_layers - 1));
  const int32_t pos0 = static_cast<int32_t>(js::to_int(js::arg(info, 3), "pos0", 0, INT32_MAX));
  Napi::Float32Array q = js::to_f32(js::arg(info, 4), "q");
  const int n_heads = static_cast<int>(js::to_int(js::arg(info, 5), "nHeads", 1, 65536));
  const size_t row = static_cast<size_t>(n_heads) * c.head_dim;
  if (q.ElementLength() == 0 || q.ElementLength() % row != 0)
    throw Napi::RangeError::New(env, "cudaPrefillAttention: q length is not a positive multiple of nHeads * headDim");
  const int32_t n_q = static_cast<int32_t>(q.ElementLength() / row);
  Napi::Float32Array out = Napi::Float32Array::New(env, q.ElementLength());
  js::guarded(env, [&] {
    if (static_cast<int64_t>(pos0) + n_q > cache.seq_length(seq))
      throw CacheError("cudaPrefillAttention: positions past the sequence's length");
    if (host) {
      const TppDevicePlan dp = build_tpp_prefill_plan(cache.seq_chunks(seq), cache.layout(), n_heads, pos0, n_q);
      tpp_host_prefill(dp, cache.layout(), host_pool(cache), layer, n_heads, pos0, q.Data(), out.Data());
      return;
    }
#ifdef CHUNKSERVE_WITH_CUDA
    CudaState& st = state_of(env, info[0].As<Napi::Object>());
    CudaChunkStorage& pool = synced_pool(st, cache);
    run_on_device(st, q, out, [&](const float* qd, float* od) {
      cuda_prefill(pool, cache.seq_chunks(seq), layer, n_heads, pos0, n_q, qd, nullptr, nullptr, od);
    });
#endif
  });
  return out;
}

}  // namespace

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("cudaDecodeAttention", Napi::Function::New(env, CudaDecodeAttention, "cudaDecodeAttention"));
  exports.Set("cudaPrefillAttention", Napi::Function::New(env, CudaPrefillAttention, "cudaPrefillAttention"));
});

}  // namespace chunkserve
