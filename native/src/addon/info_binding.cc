// backendInfo(device?): which backend the engine would run on, and what the build contains.
#include <thread>

#include "addon/registry.h"
#include "common/backend.h"
#include "common/cpu_features.h"

namespace chunkserve {

static Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string requested = requested_device_from_env();
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "backendInfo(device): device must be a string");
    requested = info[0].As<Napi::String>().Utf8Value();
  }
  BackendChoice choice;
  try {
    choice = select_backend(requested);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("backend", choice.backend == Backend::Cuda ? "cuda" : "cpu");
  out.Set("simd", simd_level_name(simd_level()));
  out.Set("cudaCompiled", choice.cuda_compiled);
  out.Set("cudaDevices", choice.cuda_devices);
  out.Set("gpuName", choice.backend == Backend::Cuda ? Napi::Value(Napi::String::New(env, choice.gpu_name)) : env.Null());
  out.Set("cudaError", choice.cuda_error.empty() ? env.Null() : Napi::Value(Napi::String::New(env, choice.cuda_error)));
  out.Set("threads", static_cast<double>(std::thread::hardware_concurrency()));
  return out;
}

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("backendInfo", Napi::Function::New(env, BackendInfo, "backendInfo"));
});

}  // namespace chunkserve
