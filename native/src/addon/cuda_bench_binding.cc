// cudaKernelBench(spec): times CUDA TPP decode against the sequence-first baseline on the GPU
// (cuda/tpp_bench.h). Throws where the build has no CUDA backend or no device is usable.
#include <stdexcept>
#include <string>

#include "addon/registry.h"
#include "common/backend.h"
#include "cuda/tpp_bench.h"

namespace chunkserve {

namespace {

#ifdef CHUNKSERVE_WITH_CUDA
int int_field(const Napi::Object& o, const char* key, int fallback) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw std::invalid_argument(std::string("cudaKernelBench: ") + key + " must be a number");
  return v.As<Napi::Number>().Int32Value();
}
#endif

Napi::Value CudaKernelBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    select_backend("cuda");  // throws with the reason when no device is usable
#ifdef CHUNKSERVE_WITH_CUDA
    const Napi::Object o = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
    CudaBenchSpec s;
    s.batch = int_field(o, "batch", s.batch);
    s.shared = int_field(o, "shared", s.shared);
    s.own = int_field(o, "own", s.own);
    s.n_heads = int_field(o, "nHeads", s.n_heads);
    s.n_kv_heads = int_field(o, "nKvHeads", s.n_kv_heads);
    s.head_dim = int_field(o, "headDim", s.head_dim);
    s.chunk_size = int_field(o, "chunkSize", s.chunk_size);
    s.reps = int_field(o, "reps", s.reps);
    s.iters = int_field(o, "iters", s.iters);
    s.baseline = !o.Get("baseline").IsBoolean() || o.Get("baseline").As<Napi::Boolean>().Value();
    const Napi::Value dt = o.Get("dtype");
    s.dtype = dt.IsString() && dt.As<Napi::String>().Utf8Value() == "bf16" ? KvDType::BF16 : KvDType::F16;
    if (dt.IsString() && dt.As<Napi::String>().Utf8Value() != "bf16" && dt.As<Napi::String>().Utf8Value() != "fp16")
      throw std::invalid_argument("cudaKernelBench: dtype must be fp16 or bf16");
    const CudaBenchResult r = run_cuda_kernel_bench(s);
    Napi::Object out = Napi::Object::New(env);
    out.Set("gpu", r.gpu);
    out.Set("copyBytesPerS", r.copy_bytes_per_s);
    out.Set("tppUs", r.tpp_us);
    out.Set("tppSpreadUs", r.tpp_spread_us);
    out.Set("pdl", r.pdl);
    out.Set("tppSerialUs", r.tpp_serial_us);
    out.Set("baselineUs", s.baseline ? Napi::Value(Napi::Number::New(env, r.baseline_us)) : env.Null());
    out.Set("baselineSpreadUs", s.baseline ? Napi::Value(Napi::Number::New(env, r.baseline_spread_us)) : env.Null());
    out.Set("tppBytes", static_cast<double>(r.tpp_bytes));
    out.Set("baselineBytes", static_cast<double>(r.baseline_bytes));
    out.Set("tppLayers", r.tpp_layers);
    out.Set("baselineLayers", r.baseline_layers);
    out.Set("chunkFirstPieces", r.chunk_first_pieces);
    out.Set("chunksPerPiece", r.chunks_per_piece);
    out.Set("maxAbsDiff", s.baseline ? Napi::Value(Napi::Number::New(env, r.max_abs_diff)) : env.Null());
    return out;
#else
    throw std::runtime_error("cudaKernelBench: this build has no CUDA backend");
#endif
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("cudaKernelBench", Napi::Function::New(env, CudaKernelBench, "cudaKernelBench"));
});

}  // namespace

}  // namespace chunkserve
