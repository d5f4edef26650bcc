// Attention methods of the JS KvCache: decode (TPP or baseline), prefill, float64 references.
#include "addon/js_args.h"
#include "addon/kv_cache_object.h"
#include "attention/prefill_attention.h"
#include "attention/reference_attention.h"

namespace chunkserve {

DecodeMethod to_decode_method(Napi::Value v, const std::string& name) {
  if (js::is_missing(v)) return DecodeMethod::Tpp;
  return js::to_choice(v, name, {"tpp", "baseline"}) == "tpp" ? DecodeMethod::Tpp : DecodeMethod::Baseline;
}

// n_heads from the length of q: [rows, n_heads, head_dim].
static int heads_from_q(Napi::Env env, size_t q_len, size_t rows, const KvCacheConfig& c, const char* what) {
  const size_t per_row = rows * c.head_dim;
  if (per_row == 0 || q_len % per_row != 0 || q_len == 0)
    throw Napi::RangeError::New(env, std::string(what) + ": q length " + std::to_string(q_len) + " is not a positive multiple of " +
                                         std::to_string(rows) + " x headDim " + std::to_string(c.head_dim));
  const size_t n_heads = q_len / per_row;
  if (n_heads % c.n_kv_heads != 0)
    throw Napi::RangeError::New(env, std::string(what) + ": q holds " + std::to_string(n_heads) +
                                         " heads per row, not a multiple of nKvHeads " + std::to_string(c.n_kv_heads));
  return static_cast<int>(n_heads);
}

static std::vector<SeqId> seq_list(Napi::Env env, Napi::Value v) {
  const auto ids = js::to_int_list(v, "seqs", 0, int64_t(1) << 53);
  return std::vector<SeqId>(ids.begin(), ids.end());
}

// decodeAttention(seqs, layer, q, { method, threshold, out }) -> out [n_seqs, n_heads, head_dim]
Napi::Value KvCacheObject::DecodeAttention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<SeqId> seqs = seq_list(env, js::arg(info, 0));
  const KvCacheConfig& c = cache(info.Env()).config();
  const int layer = static_cast<int>(js::to_int(js::arg(info, 1), "layer", 0, c.n_layers - 1));
  Napi::Float32Array q = js::to_f32(js::arg(info, 2), "q");
  Napi::Object opts = js::arg(info, 3).IsObject() ? info[3].As<Napi::Object>() : Napi::Object::New(env);
  if (!js::arg(info, 3).IsUndefined() && !js::arg(info, 3).IsObject()) throw Napi::TypeError::New(env, "options must be an object");
  if (seqs.empty()) {
    if (q.ElementLength() != 0) throw Napi::RangeError::New(env, "decodeAttention: q must be empty for an empty batch");
    return Napi::Float32Array::New(env, 0);
  }
  const int n_heads = heads_from_q(env, q.ElementLength(), seqs.size(), c, "decodeAttention");
  const DecodeMethod method = to_decode_method(opts.Get("method"), "method");
  DecodePlan& plan = plan_for(method);
  plan.set_segment_policy(cpu_segment_policy(c.n_kv_heads, ThreadPool::global().size()));
  if (!opts.Get("threshold").IsUndefined())
    plan.set_tpp_threshold(static_cast<int32_t>(js::to_int(opts.Get("threshold"), "threshold", 1, INT32_MAX)));
  Napi::Float32Array out;
  if (!opts.Get("out").IsUndefined()) {
    out = js::to_f32(opts.Get("out"), "out");
    if (out.ElementLength() != q.ElementLength()) throw Napi::RangeError::New(env, "decodeAttention: out must have the length of q");
  } else {
    out = Napi::Float32Array::New(env, q.ElementLength());
  }
  js::guarded(env, [&] {
    decode_attention(cache(info.Env()), plan, seqs, layer, n_heads, q.Data(), out.Data());
    return 0;
  });
  return out;
}

// decodeStats(method): about the work lists of that method's plan as last prepared.
Napi::Value KvCacheObject::DecodeStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const DecodePlan& plan = plan_for(to_decode_method(js::arg(info, 0), "method"));
  const DecodeWorkList& w = plan.work();
  Napi::Object o = Napi::Object::New(env);
  o.Set("rebuilds", static_cast<double>(plan.rebuilds()));
  o.Set("cacheVersion", static_cast<double>(w.cache_version));
  o.Set("sharedChunks", w.n_shared());
  int64_t pairs = 0;  // (shared chunk, sequence) pairs computed chunk-first
  for (int32_t seg = 0; seg < w.n_segments(); ++seg)
    pairs += static_cast<int64_t>(w.segment_chunk_offset[seg + 1] - w.segment_chunk_offset[seg]) *
             (w.segment_end[seg] - w.segment_begin[seg]);
  o.Set("partialStates", static_cast<double>(pairs));
  o.Set("segmentPartials", w.n_partials());
  o.Set("segments", w.n_segments());
  o.Set("ownChunks", static_cast<double>(w.seq_chunks.size()));
  o.Set("kvBytesRead", static_cast<double>(w.seq_ids.empty() ? 0 : decode_kv_bytes_read(cache(info.Env()), w)));
  const DecodePlan::PhaseTimes& t = plan.phase_times();
  o.Set("calls", static_cast<double>(t.calls));
  o.Set("phase1Ns", static_cast<double>(t.phase1_ns));
  o.Set("phase2Ns", static_cast<double>(t.phase2_ns));
  return o;
}

// Arguments shared by prefillAttention and referencePrefill: (seq, layer, pos0, q, nHeads); the
// sequence id is parsed by the caller (it needs the object's cache).
struct PrefillArgs {
  SeqId seq;
  int layer;
  int32_t pos0;
  Napi::Float32Array q;  // [n_q, n_heads, head_dim]
  int n_heads;
  int32_t n_q;
};

static PrefillArgs prefill_args(const Napi::CallbackInfo& info, SeqId seq, const KvCacheConfig& c, const char* name) {
  Napi::Env env = info.Env();
  PrefillArgs a;
  a.seq = seq;
  a.layer = static_cast<int>(js::to_int(js::arg(info, 1), "layer", 0, c.n_layers - 1));
  a.pos0 = static_cast<int32_t>(js::to_int(js::arg(info, 2), "pos0", 0, INT32_MAX));
  a.q = js::to_f32(js::arg(info, 3), "q");
  a.n_heads = static_cast<int>(js::to_int(js::arg(info, 4), "nHeads", 1, 65536));
  const size_t row = static_cast<size_t>(a.n_heads) * c.head_dim;
  if (a.q.ElementLength() % row != 0)
    throw Napi::RangeError::New(env, std::string(name) + ": q length is not a multiple of nHeads * headDim = " + std::to_string(row));
  a.n_q = static_cast<int32_t>(a.q.ElementLength() / row);
  return a;
}

// prefillAttention(seq, layer, pos0, q, nHeads) -> out [n_q, n_heads, head_dim]
Napi::Value KvCacheObject::PrefillAttention(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PrefillArgs a = prefill_args(info, seq_arg(info, 0), cache(env).config(), "prefillAttention");
  Napi::Float32Array out = Napi::Float32Array::New(env, a.q.ElementLength());
  js::guarded(env, [&] {
    prefill_attention(cache(env), a.seq, a.layer, a.pos0, a.n_q, a.n_heads, a.q.Data(), out.Data());
    return 0;
  });
  return out;
}

Napi::Value KvCacheObject::ReferenceDecode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<SeqId> seqs = seq_list(env, js::arg(info, 0));
  const KvCacheConfig& c = cache(info.Env()).config();
  const int layer = static_cast<int>(js::to_int(js::arg(info, 1), "layer", 0, c.n_layers - 1));
  Napi::Float32Array q = js::to_f32(js::arg(info, 2), "q");
  if (seqs.empty()) return Napi::Float64Array::New(env, 0);
  const int n_heads = heads_from_q(env, q.ElementLength(), seqs.size(), c, "referenceDecode");
  Napi::Float64Array out = Napi::Float64Array::New(env, q.ElementLength());
  js::guarded(env, [&] {
    reference_decode_attention(cache(info.Env()), seqs, layer, n_heads, q.Data(), out.Data());
    return 0;
  });
  return out;
}

Napi::Value KvCacheObject::ReferencePrefill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const PrefillArgs a = prefill_args(info, seq_arg(info, 0), cache(env).config(), "referencePrefill");
  Napi::Float64Array out = Napi::Float64Array::New(env, a.q.ElementLength());
  js::guarded(env, [&] {
    reference_prefill_attention(cache(env), a.seq, a.layer, a.pos0, a.n_q, a.n_heads, a.q.Data(), out.Data());
    return 0;
  });
  return out;
}

}  // namespace chunkserve
