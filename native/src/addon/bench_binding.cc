// Benchmark helpers for JS (native/bench):
//   machineLimits(bytes?, iterations?)  the FMA peak and memory bandwidth of this machine, with
//                                       every thread of the pool (common/machine_limits.h)
//   gemmBench({ tokens, rows, cols, dtype, mode, reps })
//                                       times the linear layers' GEMM on random weights
#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "addon/js_args.h"
#include "addon/registry.h"
#include "common/machine_limits.h"
#include "model/gemm.h"

namespace chunkserve {

static Napi::Value MachineLimitsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value b = js::arg(info, 0), it = js::arg(info, 1);
  const size_t bytes = static_cast<size_t>(js::is_missing(b) ? 512 << 20 : js::to_int(b, "bytes", 1 << 20, int64_t(1) << 34));
  const int iters = static_cast<int>(js::is_missing(it) ? 3 : js::to_int(it, "iterations", 1, 1000));
  const MachineLimits m = measure_machine_limits(ThreadPool::global(), bytes, iters);
  Napi::Object out = Napi::Object::New(env);
  out.Set("threads", m.threads);
  out.Set("simd", m.simd);
  out.Set("fmaGflops", m.fma_gflops);
  out.Set("bytes", m.probed_bytes);
  out.Set("copyGBps", m.copy_gbps);
  out.Set("copyOneWayGBps", m.copy_one_way_gbps);
  out.Set("readGBps", m.read_gbps);
  return out;
}

static Napi::Value GemmBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const js::Fields o(js::is_missing(js::arg(info, 0)) ? Napi::Object::New(env) : js::arg(info, 0), "spec");
  const int64_t T = o.integer("tokens", 512, 1, 1 << 16);
  const int64_t N = o.integer("rows", 2816, 1, 1 << 20);
  const int64_t K = o.integer("cols", 1024, 1, 1 << 20);
  const int reps = static_cast<int>(o.integer("reps", 5, 1, 1000));
  const DType dt = parse_dtype(o.choice("dtype", "fp32", {"fp32", "fp16", "bf16"}));
  const bool swiglu = o.choice("mode", "store", {"store", "swiglu"}) == "swiglu";
  ThreadPool& pool = ThreadPool::global();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::vector<float> wf(static_cast<size_t>(N * K)), x(static_cast<size_t>(T * K));
  for (float& v : wf) v = uni(rng) * 0.05f;
  for (float& v : x) v = uni(rng);
  std::vector<uint8_t> wb(wf.size() * dtype_size(dt));
  store_as(dt, wf.data(), wb.data(), wf.size());
  const WeightMatrix wm{wb.data(), dt, N, K};
  const int nr = gemm_kernels().nr;
  const PackedMatrix pm = swiglu ? pack_pairs(wm, wm, nr, pool) : pack_matrix(wm, nr, pool);
  std::vector<float> y(static_cast<size_t>(T * N)), scratch(swiglu ? static_cast<size_t>(T * gemm_swiglu_scratch_cols(pm)) : 0);
  const GemmJob job{&pm, swiglu ? GemmMode::SwiGLU : GemmMode::Store, y.data(), N, nullptr, scratch.data()};
  gemm(x.data(), T, &job, 1, pool);  // warm-up
  std::vector<double> secs;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    gemm(x.data(), T, &job, 1, pool);
    secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(secs.begin(), secs.end());
  const double s = secs[secs.size() / 2];
  const double flops = 2.0 * T * K * N * (swiglu ? 2 : 1);
  Napi::Object out = Napi::Object::New(env);
  out.Set("seconds", s);
  out.Set("gflops", flops / s / 1e9);
  out.Set("weightBytes", static_cast<double>(pm.bytes()));
  out.Set("weightGBps", static_cast<double>(pm.bytes()) / s / 1e9);
  out.Set("threads", pool.size());
  return out;
}

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("machineLimits", Napi::Function::New(env, MachineLimitsJs, "machineLimits"));
  exports.Set("gemmBench", Napi::Function::New(env, GemmBench, "gemmBench"));
});

}  // namespace chunkserve
