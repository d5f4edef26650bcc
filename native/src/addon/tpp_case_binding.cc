// tppCase(spec): runs the CUDA backend's TPP plan on explicit inputs, either on the GPU
// (executor "cuda") or through the host emulation of the same plan (executor "host", any
// machine). For tests: the work list, the pool and the queries come from JS, so a test can
// build any prefix tree and compare with its own float64 reference. See index.d.ts (TppCaseSpec).
//
// op "decode": spec.steps = [{ seqLen, q, k?, v? }]: per step, prepare (lazy plan upload),
//   append k/v at seq_len - 1 when given, then decode. Returns outs[] and planUploads.
// op "prefill": path, pos0, nQ, q, k?, v?: store k/v at [pos0, pos0 + nQ) when given, attend.
// Both return storedPool: the pool afterwards, as fp32 values of what the storage holds.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "addon/registry.h"
#include "cuda/cuda_tpp.h"
#include "cuda/tpp_host_exec.h"

namespace chunkserve {

namespace {

Napi::Object get_object(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsObject()) throw std::invalid_argument(std::string("tppCase: ") + key + " must be an object");
  return v.As<Napi::Object>();
}
int get_int(const Napi::Object& o, const char* key, int fallback, bool required) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) {
    if (required) throw std::invalid_argument(std::string("tppCase: ") + key + " is required");
    return fallback;
  }
  if (!v.IsNumber()) throw std::invalid_argument(std::string("tppCase: ") + key + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int>(d))) throw std::invalid_argument(std::string("tppCase: ") + key + " must be an integer");
  return static_cast<int>(d);
}
std::vector<int32_t> get_i32(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw std::invalid_argument(std::string("tppCase: ") + key + " must be an Int32Array");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}
// Float32Array of exactly `n` values, or empty when absent and optional.
std::vector<float> get_f32(const Napi::Object& o, const char* key, size_t n, bool required) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() && !required) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw std::invalid_argument(std::string("tppCase: ") + key + " must be a Float32Array");
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (a.ElementLength() != n)
    throw std::invalid_argument(std::string("tppCase: ") + key + " must hold " + std::to_string(n) + " values (got " +
                                std::to_string(a.ElementLength()) + ")");
  return std::vector<float>(a.Data(), a.Data() + n);
}
Napi::Float32Array to_js(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
  return a;
}

DecodeWorkList read_work_list(const Napi::Object& w, int chunk_size) {
  DecodeWorkList work;
  work.chunk_size = chunk_size;
  work.dfs_row = get_i32(w, "dfsRow");
  work.seq_ids.assign(work.dfs_row.size(), 0);
  for (size_t i = 0; i < work.seq_ids.size(); ++i) work.seq_ids[i] = static_cast<SeqId>(i);
  work.shared_chunk = get_i32(w, "sharedChunk");
  work.shared_begin = get_i32(w, "sharedBegin");
  work.shared_end = get_i32(w, "sharedEnd");
  work.shared_partial_offset = get_i32(w, "sharedPartialOffset");
  work.seq_chunk_offset = get_i32(w, "seqChunkOffset");
  work.seq_chunks = get_i32(w, "seqChunks");
  work.seq_chunk_index = get_i32(w, "seqChunkIndex");
  work.seq_partial_offset = get_i32(w, "seqPartialOffset");
  work.seq_partials = get_i32(w, "seqPartials");
  return work;
}

struct Step {
  std::vector<int32_t> seq_len;
  std::vector<float> q, k, v;
};

Napi::Value TppCase(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (info.Length() < 1 || !info[0].IsObject()) throw std::invalid_argument("tppCase(spec): spec must be an object");
    const Napi::Object spec = info[0].As<Napi::Object>();
    const std::string executor = spec.Get("executor").IsString() ? spec.Get("executor").As<Napi::String>().Utf8Value() : "";
    if (executor != "host" && executor != "cuda") throw std::invalid_argument("tppCase: executor must be \"host\" or \"cuda\"");
    const std::string op = spec.Get("op").IsString() ? spec.Get("op").As<Napi::String>().Utf8Value() : "";
    if (op != "decode" && op != "prefill") throw std::invalid_argument("tppCase: op must be \"decode\" or \"prefill\"");
    const std::string dtype = spec.Get("dtype").IsString() ? spec.Get("dtype").As<Napi::String>().Utf8Value() : "";
    if (dtype != "fp16" && dtype != "bf16") throw std::invalid_argument("tppCase: dtype must be \"fp16\" or \"bf16\"");

    ChunkLayout layout;
    layout.n_layers = get_int(spec, "nLayers", 1, false);
    layout.n_kv_heads = get_int(spec, "nKvHeads", 0, true);
    layout.head_dim = get_int(spec, "headDim", 0, true);
    layout.chunk_size = get_int(spec, "chunkSize", 0, true);
    layout.dtype = dtype == "fp16" ? KvDType::F16 : KvDType::BF16;
    const int n_heads = get_int(spec, "nHeads", 0, true);
    const int layer = get_int(spec, "layer", 0, false);
    check_tpp_shape(layout, n_heads);
    if (layout.n_layers < 1 || layer < 0 || layer >= layout.n_layers) throw std::invalid_argument("tppCase: layer out of range");
    const int n_chunks = get_int(spec, "nChunks", 0, true);
    if (n_chunks < 1) throw std::invalid_argument("tppCase: nChunks must be >= 1");
    const size_t D = layout.head_dim, KV = layout.n_kv_heads, H = n_heads;

    // The pool in the storage dtype.
    const std::vector<float> pool_f = get_f32(spec, "pool", static_cast<size_t>(n_chunks) * layout.chunk_elems(), true);
    std::vector<uint16_t> pool(pool_f.size());
    for (size_t i = 0; i < pool.size(); ++i) pool[i] = tpp_to_storage(layout.dtype, pool_f[i]);

    Napi::Object result = Napi::Object::New(env);
    if (op == "decode") {
      const DecodeWorkList work0 = read_work_list(get_object(spec, "work"), layout.chunk_size);
      const size_t n = work0.dfs_row.size();
      for (int32_t id : work0.shared_chunk)
        if (id >= n_chunks) throw std::invalid_argument("tppCase: shared chunk id outside the pool");
      for (int32_t id : work0.seq_chunks)
        if (id >= n_chunks) throw std::invalid_argument("tppCase: own chunk id outside the pool");
      Napi::Value steps_v = spec.Get("steps");
      if (!steps_v.IsArray()) throw std::invalid_argument("tppCase: steps must be an array");
      Napi::Array steps_js = steps_v.As<Napi::Array>();
      std::vector<Step> steps;
      for (uint32_t s = 0; s < steps_js.Length(); ++s) {
        if (!steps_js.Get(s).IsObject()) throw std::invalid_argument("tppCase: each step must be an object");
        const Napi::Object so = steps_js.Get(s).As<Napi::Object>();
        Step st;
        st.seq_len = get_i32(so, "seqLen");
        if (st.seq_len.size() != n) throw std::invalid_argument("tppCase: seqLen must have one entry per sequence");
        st.q = get_f32(so, "q", n * H * D, true);
        st.k = get_f32(so, "k", n * KV * D, false);
        st.v = get_f32(so, "v", n * KV * D, false);
        if (st.k.empty() != st.v.empty()) throw std::invalid_argument("tppCase: give both k and v, or neither");
        steps.push_back(std::move(st));
      }
      const int target_blocks = get_int(spec, "targetBlocks", 0, false);
      Napi::Array outs = Napi::Array::New(env, steps.size());
      uint64_t uploads = 0;
      TppDevicePlan plan_seen;
      if (executor == "host") {
        // One plan for the batch (the structure never changes between steps here).
        DecodeWorkList work = work0;
        const TppDevicePlan plan = build_tpp_device_plan(work, layout, n_heads, target_blocks > 0 ? target_blocks : 264);
        uploads = 1;
        for (size_t s = 0; s < steps.size(); ++s) {
          std::vector<float> out(n * H * D);
          if (!steps[s].k.empty())
            tpp_host_append(plan, layout, pool.data(), layer, steps[s].seq_len, steps[s].k.data(), steps[s].v.data());
          tpp_host_decode(plan, layout, pool.data(), layer, n_heads, steps[s].seq_len, steps[s].q.data(), out.data());
          outs.Set(static_cast<uint32_t>(s), to_js(env, out));
        }
        plan_seen = plan;
      } else {
#ifdef CHUNKSERVE_WITH_CUDA
        CudaChunkStorage storage(layout, static_cast<size_t>(n_chunks) * layout.chunk_bytes());
        storage.upload_chunks(0, n_chunks, pool.data());
        CudaTppDecoder decoder(target_blocks);
        // q, out: [n][H][D] fp32; k, v: [n][KV][D] fp32 (batch order)
        DeviceBuffer q_dev(n * H * D * 4), out_dev(n * H * D * 4), k_dev(n * KV * D * 4), v_dev(n * KV * D * 4);
        for (size_t s = 0; s < steps.size(); ++s) {
          DecodeWorkList work = work0;
          work.seq_len = steps[s].seq_len;
          decoder.prepare(work, layout, n_heads);
          if (!steps[s].k.empty()) {
            k_dev.upload(steps[s].k.data(), n * KV * D * 4);
            v_dev.upload(steps[s].v.data(), n * KV * D * 4);
            decoder.append_kv(storage, layer, static_cast<const float*>(k_dev.get()), static_cast<const float*>(v_dev.get()));
          }
          // Poison the output so an unwritten element cannot pass as a result.
          std::vector<float> out(n * H * D, std::nanf(""));
          out_dev.upload(out.data(), out.size() * 4);
          q_dev.upload(steps[s].q.data(), n * H * D * 4);
          decoder.decode(storage, layer, static_cast<const float*>(q_dev.get()), static_cast<float*>(out_dev.get()));
          cuda_synchronize("decode");
          out_dev.download(out.data(), out.size() * 4);
          outs.Set(static_cast<uint32_t>(s), to_js(env, out));
        }
        uploads = decoder.plan_uploads();
        plan_seen = decoder.plan();
        storage.download_chunks(0, n_chunks, pool.data());
#else
        throw std::runtime_error("tppCase: this build has no CUDA backend (nvcc was not found at build time)");
#endif
      }
      result.Set("outs", outs);
      result.Set("planUploads", static_cast<double>(uploads));
      result.Set("chunkFirstPieces", static_cast<double>(plan_seen.chunk_first.size()));
      result.Set("chunksPerPiece", static_cast<double>(plan_seen.chunks_per_piece));
      result.Set("partialRows", static_cast<double>(plan_seen.n_partial_rows));
    } else {
      const std::vector<int32_t> path = get_i32(spec, "path");
      for (int32_t id : path)
        if (id < 0 || id >= n_chunks) throw std::invalid_argument("tppCase: path chunk id outside the pool");
      const int pos0 = get_int(spec, "pos0", 0, true);
      const int n_q = get_int(spec, "nQ", 0, true);
      const TppDevicePlan plan = build_tpp_prefill_plan(path, layout, n_heads, pos0, n_q);  // validates first
      const std::vector<float> q = get_f32(spec, "q", static_cast<size_t>(n_q) * H * D, true);
      const std::vector<float> k = get_f32(spec, "k", static_cast<size_t>(n_q) * KV * D, false);
      const std::vector<float> v = get_f32(spec, "v", static_cast<size_t>(n_q) * KV * D, false);
      if (k.empty() != v.empty()) throw std::invalid_argument("tppCase: give both k and v, or neither");
      std::vector<float> out(static_cast<size_t>(n_q) * H * D, std::nanf(""));
      if (executor == "host") {
        for (int t = 0; !k.empty() && t < n_q; ++t) {
          const int pos = pos0 + t;
          for (size_t h = 0; h < KV; ++h)
            for (int kv = 0; kv < 2; ++kv) {
              uint16_t* dst = pool.data() + static_cast<size_t>(path[pos / layout.chunk_size]) * layout.chunk_elems() +
                              layout.row_offset(layer, kv, static_cast<int>(h), pos % layout.chunk_size);
              const float* src = (kv == 0 ? k : v).data() + (static_cast<size_t>(t) * KV + h) * D;
              for (size_t d = 0; d < D; ++d) dst[d] = tpp_to_storage(layout.dtype, src[d]);
            }
        }
        tpp_host_prefill(plan, layout, pool.data(), layer, n_heads, pos0, q.data(), out.data());
      } else {
#ifdef CHUNKSERVE_WITH_CUDA
        CudaChunkStorage storage(layout, static_cast<size_t>(n_chunks) * layout.chunk_bytes());
        storage.upload_chunks(0, n_chunks, pool.data());
        // q, out: [n_q][H][D] fp32; k, v: [n_q][KV][D] fp32
        DeviceBuffer q_dev(q.size() * 4), out_dev(out.size() * 4), k_dev(std::max<size_t>(1, k.size()) * 4),
            v_dev(std::max<size_t>(1, v.size()) * 4);
        q_dev.upload(q.data(), q.size() * 4);
        out_dev.upload(out.data(), out.size() * 4);  // NaN poison
        if (!k.empty()) {
          k_dev.upload(k.data(), k.size() * 4);
          v_dev.upload(v.data(), v.size() * 4);
        }
        cuda_prefill(storage, path, layer, n_heads, pos0, n_q, static_cast<const float*>(q_dev.get()),
                     k.empty() ? nullptr : static_cast<const float*>(k_dev.get()),
                     v.empty() ? nullptr : static_cast<const float*>(v_dev.get()), static_cast<float*>(out_dev.get()));
        cuda_synchronize("prefill");
        out_dev.download(out.data(), out.size() * 4);
        storage.download_chunks(0, n_chunks, pool.data());
#else
        throw std::runtime_error("tppCase: this build has no CUDA backend (nvcc was not found at build time)");
#endif
      }
      result.Set("out", to_js(env, out));
    }
    std::vector<float> stored(pool.size());
    for (size_t i = 0; i < pool.size(); ++i) stored[i] = tpp_from_storage(layout.dtype, pool[i]);
    result.Set("storedPool", to_js(env, stored));
    return result;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("tppCase", Napi::Function::New(env, TppCase, "tppCase"));
});

}  // namespace

}  // namespace chunkserve
