// KvCache as a JS class (ObjectWrap): the cache, its decode plans, and the attention entry
// points, for tests and benchmarks. Methods are defined in cache_binding.cc (cache) and
// attention_binding.cc (attention).
#pragma once
#include <napi.h>

#include <memory>

#include "addon/js_args.h"

#include "attention/decode_attention.h"
#include "cache/kv_cache.h"

namespace chunkserve {

class KvCacheObject : public Napi::ObjectWrap<KvCacheObject> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit KvCacheObject(const Napi::CallbackInfo& info);
  // For the CUDA glue (addon/attention_binding_cuda.cc): the same cache on the GPU.
  KvCache& live_cache(Napi::Env env) { return cache(env); }  // throws once disposed

 private:
  // cache_binding.cc
  Napi::Value Insert(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  Napi::Value CanAdmit(const Napi::CallbackInfo& info);
  Napi::Value WriteKV(const Napi::CallbackInfo& info);
  Napi::Value MarkComputed(const Napi::CallbackInfo& info);
  Napi::Value Append(const Napi::CallbackInfo& info);
  Napi::Value Remove(const Napi::CallbackInfo& info);
  Napi::Value Fork(const Napi::CallbackInfo& info);
  Napi::Value Pin(const Napi::CallbackInfo& info);
  Napi::Value Unpin(const Napi::CallbackInfo& info);
  Napi::Value EvictAll(const Napi::CallbackInfo& info);
  Napi::Value SeqLength(const Napi::CallbackInfo& info);
  Napi::Value SeqComputedLength(const Napi::CallbackInfo& info);
  Napi::Value SeqChunks(const Napi::CallbackInfo& info);
  Napi::Value LiveSequences(const Napi::CallbackInfo& info);
  Napi::Value AvailableChunks(const Napi::CallbackInfo& info);
  Napi::Value Version(const Napi::CallbackInfo& info);
  Napi::Value Snapshot(const Napi::CallbackInfo& info);
  Napi::Value CheckInvariants(const Napi::CallbackInfo& info);
  Napi::Value Config(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  // attention_binding.cc
  Napi::Value DecodeAttention(const Napi::CallbackInfo& info);
  Napi::Value DecodeStats(const Napi::CallbackInfo& info);
  Napi::Value PrefillAttention(const Napi::CallbackInfo& info);
  Napi::Value ReferenceDecode(const Napi::CallbackInfo& info);
  Napi::Value ReferencePrefill(const Napi::CallbackInfo& info);

  SeqId seq_arg(const Napi::CallbackInfo& info, size_t i);
  // The cache; throws once dispose() released it.
  KvCache& cache(Napi::Env env) {
    if (!cache_) throw Napi::Error::New(env, "KvCache was disposed");
    return *cache_;
  }
  DecodePlan& plan_for(DecodeMethod m) { return m == DecodeMethod::Tpp ? tpp_plan_ : baseline_plan_; }

  std::unique_ptr<KvCache> cache_;
  DecodePlan tpp_plan_{DecodeMethod::Tpp};
  DecodePlan baseline_plan_{DecodeMethod::Baseline};
};

// "tpp" (also when missing) or "baseline".
DecodeMethod to_decode_method(Napi::Value v, const std::string& name);

}  // namespace chunkserve
