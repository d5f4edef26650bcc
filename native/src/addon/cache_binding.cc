// new KvCache(config): the prefix-aware KV cache, exposed to JS (types in native/index.d.ts).
#include "addon/js_args.h"
#include "addon/kv_cache_object.h"
#include "addon/registry.h"
#include "addon/snapshot_to_js.h"

namespace chunkserve {

Napi::Function KvCacheObject::Define(Napi::Env env) {
  return DefineClass(env, "KvCache",
                     {
                         InstanceMethod("insert", &KvCacheObject::Insert),
                         InstanceMethod("lookup", &KvCacheObject::Lookup),
                         InstanceMethod("canAdmit", &KvCacheObject::CanAdmit),
                         InstanceMethod("writeKV", &KvCacheObject::WriteKV),
                         InstanceMethod("markComputed", &KvCacheObject::MarkComputed),
                         InstanceMethod("append", &KvCacheObject::Append),
                         InstanceMethod("remove", &KvCacheObject::Remove),
                         InstanceMethod("fork", &KvCacheObject::Fork),
                         InstanceMethod("pin", &KvCacheObject::Pin),
                         InstanceMethod("unpin", &KvCacheObject::Unpin),
                         InstanceMethod("evictAll", &KvCacheObject::EvictAll),
                         InstanceMethod("seqLength", &KvCacheObject::SeqLength),
                         InstanceMethod("seqComputedLength", &KvCacheObject::SeqComputedLength),
                         InstanceMethod("seqChunks", &KvCacheObject::SeqChunks),
                         InstanceMethod("liveSequences", &KvCacheObject::LiveSequences),
                         InstanceMethod("availableChunks", &KvCacheObject::AvailableChunks),
                         InstanceMethod("version", &KvCacheObject::Version),
                         InstanceMethod("snapshot", &KvCacheObject::Snapshot),
                         InstanceMethod("checkInvariants", &KvCacheObject::CheckInvariants),
                         InstanceMethod("config", &KvCacheObject::Config),
                         InstanceMethod("dispose", &KvCacheObject::Dispose),
                         InstanceMethod("decodeAttention", &KvCacheObject::DecodeAttention),
                         InstanceMethod("decodeStats", &KvCacheObject::DecodeStats),
                         InstanceMethod("prefillAttention", &KvCacheObject::PrefillAttention),
                         InstanceMethod("referenceDecode", &KvCacheObject::ReferenceDecode),
                         InstanceMethod("referencePrefill", &KvCacheObject::ReferencePrefill),
                     });
}

static int config_int(Napi::Env env, Napi::Object o, const char* key, int def, int lo, int hi) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  return static_cast<int>(js::to_int(v, std::string("config.") + key, lo, hi));
}

KvCacheObject::KvCacheObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<KvCacheObject>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throw Napi::TypeError::New(env, "KvCache must be called with new");
  if (!js::arg(info, 0).IsObject()) throw Napi::TypeError::New(env, "new KvCache(config): config must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  KvCacheConfig c;
  c.n_layers = config_int(env, o, "nLayers", 1, 1, 1024);
  c.n_kv_heads = config_int(env, o, "nKvHeads", 1, 1, 1024);
  c.head_dim = config_int(env, o, "headDim", 128, 1, 4096);
  c.chunk_size = config_int(env, o, "chunkSize", 64, 1, 4096);
  Napi::Value dt = o.Get("dtype");
  if (!dt.IsUndefined()) {
    try {
      c.dtype = parse_dtype(js::to_string(dt, "config.dtype"), "KV dtype");
    } catch (const std::invalid_argument& e) {
      throw Napi::RangeError::New(env, std::string("config.dtype: ") + e.what());
    }
  }
  if (!o.Has("poolBytes")) throw Napi::TypeError::New(env, "config.poolBytes is required (bytes of the chunk pool)");
  c.pool_bytes = static_cast<size_t>(js::to_int(o.Get("poolBytes"), "config.poolBytes", 1, int64_t(1) << 50));
  js::guarded(env, [&] {
    cache_ = std::make_unique<KvCache>(c);
    return 0;
  });
}

SeqId KvCacheObject::seq_arg(const Napi::CallbackInfo& info, size_t i) {
  return js::to_int(js::arg(info, i), "seq", 0, int64_t(1) << 53);
}

Napi::Value KvCacheObject::Insert(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ns = js::to_string(js::arg(info, 0), "namespace");
  const auto tokens = js::to_tokens(js::arg(info, 1), "tokens");
  size_t max_cached = SIZE_MAX;
  if (!js::arg(info, 2).IsUndefined()) max_cached = static_cast<size_t>(js::to_int(info[2], "maxCached", 0, INT32_MAX));
  const InsertResult r = js::guarded(env, [&] { return cache(info.Env()).insert(ns, tokens, max_cached); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("seq", static_cast<double>(r.seq));
  out.Set("cachedTokens", r.cached_tokens);
  out.Set("sharedTokens", r.shared_tokens);
  out.Set("copiedTokens", r.copied_tokens);
  return out;
}

Napi::Value KvCacheObject::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ns = js::to_string(js::arg(info, 0), "namespace");
  const auto tokens = js::to_tokens(js::arg(info, 1), "tokens");
  return Napi::Number::New(env, static_cast<double>(cache(info.Env()).lookup(ns, tokens)));
}

Napi::Value KvCacheObject::CanAdmit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ns = js::to_string(js::arg(info, 0), "namespace");
  const auto tokens = js::to_tokens(js::arg(info, 1), "tokens");
  size_t extra = 0;
  if (!js::arg(info, 2).IsUndefined()) extra = static_cast<size_t>(js::to_int(info[2], "extraTokens", 0, INT32_MAX));
  return Napi::Boolean::New(env, cache(info.Env()).can_admit(ns, tokens, extra));
}

// writeKV(seq, layer, pos0, k, v): k, v Float32Array [n, nKvHeads, headDim] for positions pos0..pos0+n-1.
Napi::Value KvCacheObject::WriteKV(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SeqId seq = seq_arg(info, 0);
  const int layer = static_cast<int>(js::to_int(js::arg(info, 1), "layer", 0, cache(info.Env()).config().n_layers - 1));
  const int32_t pos0 = static_cast<int32_t>(js::to_int(js::arg(info, 2), "pos0", 0, INT32_MAX));
  Napi::Float32Array k = js::to_f32(js::arg(info, 3), "k"), v = js::to_f32(js::arg(info, 4), "v");
  const size_t row = static_cast<size_t>(cache(info.Env()).config().n_kv_heads) * cache(info.Env()).config().head_dim;
  if (k.ElementLength() != v.ElementLength()) throw Napi::RangeError::New(env, "writeKV: k and v differ in length");
  if (k.ElementLength() % row != 0)
    throw Napi::RangeError::New(env, "writeKV: k length " + std::to_string(k.ElementLength()) + " is not a multiple of nKvHeads * headDim = " + std::to_string(row));
  const int32_t n = static_cast<int32_t>(k.ElementLength() / row);
  js::guarded(env, [&] {
    cache(info.Env()).store_kv_rows(seq, pos0, n, layer, k.Data(), v.Data());
    return 0;
  });
  return env.Undefined();
}

Napi::Value KvCacheObject::MarkComputed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SeqId seq = seq_arg(info, 0);
  js::guarded(env, [&] {
    const int32_t upto = js::arg(info, 1).IsUndefined() ? cache(info.Env()).seq_length(seq)
                                                     : static_cast<int32_t>(js::to_int(info[1], "upto", 0, INT32_MAX));
    cache(info.Env()).mark_computed(seq, upto);
    return 0;
  });
  return env.Undefined();
}

Napi::Value KvCacheObject::Append(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto ids = js::to_int_list(js::arg(info, 0), "seqs", 0, int64_t(1) << 53);
  const auto tokens = js::to_tokens(js::arg(info, 1), "tokens");
  js::guarded(env, [&] {
    cache(info.Env()).append(std::vector<SeqId>(ids.begin(), ids.end()), tokens);
    return 0;
  });
  return env.Undefined();
}

Napi::Value KvCacheObject::Remove(const Napi::CallbackInfo& info) {
  const SeqId seq = seq_arg(info, 0);
  js::guarded(info.Env(), [&] {
    cache(info.Env()).remove(seq);
    return 0;
  });
  return info.Env().Undefined();
}

Napi::Value KvCacheObject::Fork(const Napi::CallbackInfo& info) {
  const SeqId seq = seq_arg(info, 0);
  return Napi::Number::New(info.Env(), static_cast<double>(js::guarded(info.Env(), [&] { return cache(info.Env()).fork(seq); })));
}

Napi::Value KvCacheObject::Pin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ns = js::to_string(js::arg(info, 0), "namespace");
  const auto tokens = js::to_tokens(js::arg(info, 1), "tokens");
  return Napi::Number::New(env, static_cast<double>(js::guarded(env, [&] { return cache(info.Env()).pin(ns, tokens); })));
}

Napi::Value KvCacheObject::Unpin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ns = js::to_string(js::arg(info, 0), "namespace");
  const auto tokens = js::to_tokens(js::arg(info, 1), "tokens");
  return Napi::Number::New(env, static_cast<double>(js::guarded(env, [&] { return cache(info.Env()).unpin(ns, tokens); })));
}

Napi::Value KvCacheObject::EvictAll(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cache(info.Env()).evict_all()));
}

Napi::Value KvCacheObject::SeqLength(const Napi::CallbackInfo& info) {
  const SeqId seq = seq_arg(info, 0);
  return Napi::Number::New(info.Env(), js::guarded(info.Env(), [&] { return cache(info.Env()).seq_length(seq); }));
}

Napi::Value KvCacheObject::SeqComputedLength(const Napi::CallbackInfo& info) {
  const SeqId seq = seq_arg(info, 0);
  return Napi::Number::New(info.Env(), js::guarded(info.Env(), [&] { return cache(info.Env()).seq_computed_length(seq); }));
}

Napi::Value KvCacheObject::SeqChunks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SeqId seq = seq_arg(info, 0);
  const auto chunks = js::guarded(env, [&] { return cache(info.Env()).seq_chunks(seq); });
  Napi::Array out = Napi::Array::New(env, chunks.size());
  for (size_t i = 0; i < chunks.size(); ++i) out.Set(static_cast<uint32_t>(i), chunks[i]);
  return out;
}

Napi::Value KvCacheObject::LiveSequences(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto ids = cache(info.Env()).live_sequences();
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(ids[i]));
  return out;
}

Napi::Value KvCacheObject::AvailableChunks(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cache(info.Env()).available_chunks()));
}

Napi::Value KvCacheObject::Version(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cache(info.Env()).version()));
}

Napi::Value KvCacheObject::Snapshot(const Napi::CallbackInfo& info) {
  return snapshot_to_js(info.Env(), cache(info.Env()).snapshot());
}

Napi::Value KvCacheObject::CheckInvariants(const Napi::CallbackInfo& info) {
  js::guarded(info.Env(), [&] {
    cache(info.Env()).check_invariants();
    return 0;
  });
  return info.Env().Undefined();
}

Napi::Value KvCacheObject::Config(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KvCacheConfig& c = cache(info.Env()).config();
  Napi::Object o = Napi::Object::New(env);
  o.Set("nLayers", c.n_layers);
  o.Set("nKvHeads", c.n_kv_heads);
  o.Set("headDim", c.head_dim);
  o.Set("chunkSize", c.chunk_size);
  o.Set("dtype", dtype_name(c.dtype));
  o.Set("poolBytes", static_cast<double>(c.pool_bytes));
  o.Set("chunkBytes", static_cast<double>(cache(info.Env()).layout().chunk_bytes()));
  o.Set("capacityChunks", static_cast<double>(cache(info.Env()).storage().capacity()));
  return o;
}

// Frees the pool now instead of whenever the garbage collector runs (benchmarks hold GBs).
Napi::Value KvCacheObject::Dispose(const Napi::CallbackInfo& info) {
  cache_.reset();
  tpp_plan_ = DecodePlan(DecodeMethod::Tpp);
  baseline_plan_ = DecodePlan(DecodeMethod::Baseline);
  return info.Env().Undefined();
}

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("KvCache", KvCacheObject::Define(env));
});

}  // namespace chunkserve
