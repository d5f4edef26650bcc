// backendInfo(device = "auto"): which backend the engine would run on, and what the build contains.
#include <thread>

#include "addon/device_info.h"
#include "addon/js_args.h"
#include "addon/registry.h"
#include "common/cpu_features.h"
#include "common/device.h"
#include "model/gemm_kernels.h"

namespace chunkserve {

static Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value requested = js::arg(info, 0);
  const std::string device = requested.IsUndefined() ? "auto" : js::to_string(requested, "device");
  const DeviceChoice choice = js::guarded(env, [&] { return select_device(device); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("backend", device_kind_name(choice.kind));
  out.Set("simd", simd_level_name(simd_level()));
  out.Set("cudaCompiled", choice.cuda_compiled);
  out.Set("cudaDevices", choice.cuda_devices);
  set_device_fields(out, choice.kind == DeviceKind::Cuda);
  out.Set("cudaError", choice.cuda_error.empty() ? env.Null() : Napi::Value(Napi::String::New(env, choice.cuda_error)));
  out.Set("threads", static_cast<double>(std::thread::hardware_concurrency()));
  out.Set("gemmTiles", gemm_kernels().tile_choice);  // chosen on first use (~30 ms)
  return out;
}

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("backendInfo", Napi::Function::New(env, BackendInfo, "backendInfo"));
});

}  // namespace chunkserve
