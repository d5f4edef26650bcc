// tppCase(spec): runs the CUDA backend's TPP plan on explicit inputs, either on the GPU
// (executor "cuda") or through the host emulation of the same plan (executor "host", any
// machine). For tests: the prefix tree (as chunk paths), the pool and the queries come from JS,
// so a test can build any tree and compare with its own float64 reference; the work list is the
// engine's own (build_decode_work_list). See index.d.ts (TppCaseSpec).
//
// op "decode": paths, threshold, steps = [{ seqLen, q, k?, v? }] (batch order): per step,
//   prepare (lazy plan upload), append k/v at seq_len - 1 when given, then decode. Returns outs[]
//   and planUploads.
// op "prefill": path, pos0, nQ, q, k?, v?: store k/v at [pos0, pos0 + nQ) when given, attend.
// Both return storedPool: the pool afterwards, as fp32 values of what the storage holds.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "addon/js_args.h"
#include "addon/registry.h"
#include "attention/decode_work_list.h"
#include "cuda/tpp_device_plan.h"
#include "cuda/tpp_host_exec.h"
#ifdef CHUNKSERVE_WITH_CUDA
#include "cuda/tpp_decoder.h"
#include "cuda/tpp_prefill.h"
#endif

namespace chunkserve {

namespace {

Napi::Float32Array to_js(Napi::Env env, const std::vector<float>& v) {
  Napi::Float32Array a = Napi::Float32Array::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
  return a;
}

std::vector<std::vector<ChunkId>> read_paths(const js::Fields& spec, int n_chunks) {
  if (!spec.get("paths").IsArray()) throw Napi::TypeError::New(spec.get("paths").Env(), "spec.paths must be an array");
  Napi::Array arr = spec.get("paths").As<Napi::Array>();
  std::vector<std::vector<ChunkId>> paths(arr.Length());
  for (uint32_t b = 0; b < arr.Length(); ++b)
    for (int64_t id : js::to_int_list(arr.Get(b), "spec.paths[" + std::to_string(b) + "]", 0, INT32_MAX)) {
      if (id >= n_chunks) throw std::invalid_argument("tppCase: chunk id outside the pool");
      paths[b].push_back(static_cast<ChunkId>(id));
    }
  return paths;
}

// Lengths in batch order -> DFS order of the work list.
std::vector<int32_t> dfs_lengths(const DecodeWorkList& work, const std::vector<int32_t>& batch_len) {
  std::vector<int32_t> out(batch_len.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = batch_len[work.dfs_row[i]];
  return out;
}

struct Step {
  std::vector<int32_t> seq_len;
  std::vector<float> q, k, v;
};

// The optional k, v of a step or prefill: both or neither, n values each.
void read_kv(const js::Fields& f, size_t n, std::vector<float>& k, std::vector<float>& v) {
  if (f.has("k") != f.has("v")) throw std::invalid_argument("tppCase: give both k and v, or neither");
  if (!f.has("k")) return;
  k = js::to_f32_values(f.get("k"), f.name("k"), n);
  v = js::to_f32_values(f.get("v"), f.name("v"), n);
}

Napi::Value TppCase(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const js::Fields spec(js::arg(info, 0), "spec");
  const std::string executor = spec.choice("executor", "", {"host", "cuda"});
  const std::string op = spec.choice("op", "", {"decode", "prefill"});
  ChunkLayout layout;
  layout.dtype = spec.choice("dtype", "", {"fp16", "bf16"}) == "fp16" ? DType::F16 : DType::BF16;
  layout.n_layers = static_cast<int>(spec.integer("nLayers", 1, 1, 1024));
  layout.n_kv_heads = static_cast<int>(spec.required_integer("nKvHeads", 1, 1024));
  layout.head_dim = static_cast<int>(spec.required_integer("headDim", 1, 4096));
  layout.chunk_size = static_cast<int>(spec.required_integer("chunkSize", 1, 4096));
  const int n_heads = static_cast<int>(spec.required_integer("nHeads", 1, 65536));
  const int layer = static_cast<int>(spec.integer("layer", 0, 0, layout.n_layers - 1));
  const int n_chunks = static_cast<int>(spec.required_integer("nChunks", 1, 1 << 24));
  return js::guarded(env, [&]() -> Napi::Value {
    check_tpp_shape(layout, n_heads);
    const size_t D = layout.head_dim, KV = layout.n_kv_heads, H = n_heads;

    // The pool in the storage dtype.
    const std::vector<float> pool_f =
        js::to_f32_values(spec.get("pool"), spec.name("pool"), static_cast<size_t>(n_chunks) * layout.chunk_elems());
    std::vector<uint16_t> pool(pool_f.size());
    for (size_t i = 0; i < pool.size(); ++i) pool[i] = float_to_bits16(layout.dtype, pool_f[i]);

    Napi::Object result = Napi::Object::New(env);
    if (op == "decode") {
      const std::vector<std::vector<ChunkId>> paths = read_paths(spec, n_chunks);
      const size_t n = paths.size();
      const int32_t threshold = static_cast<int32_t>(spec.integer("threshold", 1, 1, INT32_MAX));
      if (!spec.get("steps").IsArray()) throw std::invalid_argument("tppCase: steps must be an array");
      Napi::Array steps_js = spec.get("steps").As<Napi::Array>();
      std::vector<Step> steps;
      for (uint32_t s = 0; s < steps_js.Length(); ++s) {
        const js::Fields so(steps_js.Get(s), "spec.steps[" + std::to_string(s) + "]");
        Step st;
        st.seq_len = js::to_int32_array(so.get("seqLen"), so.name("seqLen"));
        if (st.seq_len.size() != n) throw std::invalid_argument("tppCase: seqLen must have one entry per sequence");
        st.q = js::to_f32_values(so.get("q"), so.name("q"), n * H * D);
        read_kv(so, n * KV * D, st.k, st.v);
        steps.push_back(std::move(st));
      }
      if (steps.empty()) throw std::invalid_argument("tppCase: steps must not be empty");
      const int target_blocks = static_cast<int>(spec.integer("targetBlocks", 0, 0, 1 << 20));
      Napi::Array outs = Napi::Array::New(env, steps.size());
      uint64_t uploads = 0;
      TppDevicePlan plan_seen;
      if (executor == "host") {
        // One plan for the batch (the structure never changes between steps here). Each step's
        // lengths are checked against the first step's paths.
        const SegmentPolicy policy = cuda_segment_policy(layout, n_heads, target_blocks > 0 ? target_blocks : 264);
        const DecodeWorkList work = build_decode_work_list(paths, steps[0].seq_len, layout.chunk_size, threshold, policy);
        const TppDevicePlan plan = build_tpp_device_plan(work, layout, n_heads);
        uploads = 1;
        for (size_t s = 0; s < steps.size(); ++s) {
          const std::vector<int32_t> len = dfs_lengths(work, steps[s].seq_len);
          check_step_lengths(plan, len);
          std::vector<float> out(n * H * D);
          if (!steps[s].k.empty()) tpp_host_append(plan, layout, pool.data(), layer, len, steps[s].k.data(), steps[s].v.data());
          tpp_host_decode(plan, layout, pool.data(), layer, n_heads, len, steps[s].q.data(), out.data());
          outs.Set(static_cast<uint32_t>(s), to_js(env, out));
        }
        plan_seen = plan;
      } else {
#ifdef CHUNKSERVE_WITH_CUDA
        CudaChunkStorage storage(layout, static_cast<size_t>(n_chunks) * layout.chunk_bytes());
        storage.upload_chunks(0, n_chunks, pool.data());
        CudaTppDecoder decoder(target_blocks);
        DecodeWorkList work =
            build_decode_work_list(paths, steps[0].seq_len, layout.chunk_size, threshold, decoder.policy(layout, n_heads));
        // q, out: [n][H][D] fp32; k, v: [n][KV][D] fp32 (batch order)
        DeviceBuffer q_dev(n * H * D * 4), out_dev(n * H * D * 4), k_dev(n * KV * D * 4), v_dev(n * KV * D * 4);
        for (size_t s = 0; s < steps.size(); ++s) {
          work.seq_len = dfs_lengths(work, steps[s].seq_len);
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
      const std::vector<int32_t> path = js::to_int32_array(spec.get("path"), spec.name("path"));
      for (int32_t id : path)
        if (id < 0 || id >= n_chunks) throw std::invalid_argument("tppCase: path chunk id outside the pool");
      const int pos0 = static_cast<int>(spec.required_integer("pos0", 0, INT32_MAX));
      const int n_q = static_cast<int>(spec.required_integer("nQ", 0, INT32_MAX));
      const TppDevicePlan plan = build_tpp_prefill_plan(path, layout, n_heads, pos0, n_q);  // validates first
      const std::vector<float> q = js::to_f32_values(spec.get("q"), spec.name("q"), static_cast<size_t>(n_q) * H * D);
      std::vector<float> k, v;
      read_kv(spec, static_cast<size_t>(n_q) * KV * D, k, v);
      std::vector<float> out(static_cast<size_t>(n_q) * H * D, std::nanf(""));
      if (executor == "host") {
        for (int t = 0; !k.empty() && t < n_q; ++t) {
          const int pos = pos0 + t;
          for (size_t h = 0; h < KV; ++h)
            for (int kv = 0; kv < 2; ++kv) {
              uint16_t* dst = pool.data() + static_cast<size_t>(path[pos / layout.chunk_size]) * layout.chunk_elems() +
                              layout.row_offset(layer, kv, static_cast<int>(h), pos % layout.chunk_size);
              const float* src = (kv == 0 ? k : v).data() + (static_cast<size_t>(t) * KV + h) * D;
              for (size_t d = 0; d < D; ++d) dst[d] = float_to_bits16(layout.dtype, src[d]);
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
    for (size_t i = 0; i < pool.size(); ++i) stored[i] = bits16_to_float(layout.dtype, pool[i]);
    result.Set("storedPool", to_js(env, stored));
    return result;
  });
}

AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("tppCase", Napi::Function::New(env, TppCase, "tppCase"));
});

}  // namespace

}  // namespace chunkserve
