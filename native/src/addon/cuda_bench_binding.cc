// cudaKernelBench(spec): times CUDA TPP decode against the sequence-first baseline on the GPU
// (cuda/tpp_bench.h). Throws where the build has no CUDA backend or no device is usable.
#include <stdexcept>
#include <string>

#include "addon/js_args.h"
#include "addon/registry.h"
#include "common/device.h"
#include "cuda/tpp_bench.h"

namespace chunkserve {

namespace {

Napi::Value CudaKernelBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return js::guarded(env, [&]() -> Napi::Value {
    select_device("cuda");  // throws with the reason when no device is usable
#ifdef CHUNKSERVE_WITH_CUDA
    const Napi::Value spec = js::arg(info, 0);
    const js::Fields o(js::is_missing(spec) ? Napi::Object::New(env) : spec, "spec");
    CudaBenchSpec s;
    s.batch = static_cast<int>(o.integer("batch", s.batch, 1, 4096));
    s.shared = static_cast<int>(o.integer("shared", s.shared, 0, 1 << 20));
    s.own = static_cast<int>(o.integer("own", s.own, 0, 1 << 20));
    s.n_heads = static_cast<int>(o.integer("nHeads", s.n_heads, 1, 1024));
    s.n_kv_heads = static_cast<int>(o.integer("nKvHeads", s.n_kv_heads, 1, 1024));
    s.head_dim = static_cast<int>(o.integer("headDim", s.head_dim, 1, 1024));
    s.chunk_size = static_cast<int>(o.integer("chunkSize", s.chunk_size, 1, 4096));
    s.reps = static_cast<int>(o.integer("reps", s.reps, 1, 1000));
    s.iters = static_cast<int>(o.integer("iters", s.iters, 1, 100000));
    s.baseline = o.boolean("baseline", true);
    s.dtype = o.choice("dtype", "fp16", {"fp16", "bf16"}) == "bf16" ? DType::BF16 : DType::F16;
    const CudaBenchResult r = run_cuda_kernel_bench(s);
    Napi::Object out = Napi::Object::New(env);
    auto or_null = [&](double v) { return s.baseline ? Napi::Value(Napi::Number::New(env, v)) : env.Null(); };
    out.Set("gpu", r.gpu);
    out.Set("copyBytesPerS", r.copy_bytes_per_s);
    out.Set("tppUs", r.tpp_us);
    out.Set("tppSpreadUs", r.tpp_spread_us);
    out.Set("pdl", r.pdl);
    out.Set("tppSerialUs", r.tpp_serial_us);
    out.Set("baselineUs", or_null(r.baseline_us));
    out.Set("baselineSpreadUs", or_null(r.baseline_spread_us));
    out.Set("tppBytes", static_cast<double>(r.tpp_bytes));
    out.Set("baselineBytes", static_cast<double>(r.baseline_bytes));
    out.Set("tppLayers", r.tpp_layers);
    out.Set("baselineLayers", r.baseline_layers);
    out.Set("chunkFirstPieces", r.chunk_first_pieces);
    out.Set("chunksPerPiece", r.chunks_per_piece);
    out.Set("maxAbsDiff", or_null(r.max_abs_diff));
    return out;
#else
    throw std::runtime_error("cudaKernelBench: this build has no CUDA backend");
#endif
  });
}

}  // namespace

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("cudaKernelBench", Napi::Function::New(env, CudaKernelBench, "cudaKernelBench"));
});

}  // namespace chunkserve
