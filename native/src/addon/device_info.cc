#include "addon/device_info.h"

#include "cuda/cuda_device.h"

namespace chunkserve {

void set_device_fields(Napi::Object& out, bool on_cuda) {
  Napi::Env env = out.Env();
  size_t used = 0, total = 0;
  const bool known = on_cuda && cuda_memory_info(&used, &total);
  out.Set("gpuName", on_cuda ? Napi::Value(Napi::String::New(env, cuda_device_name(0))) : env.Null());
  out.Set("deviceMemoryBytes", known ? Napi::Value(Napi::Number::New(env, static_cast<double>(total))) : env.Null());
  out.Set("deviceMemoryUsedBytes", known ? Napi::Value(Napi::Number::New(env, static_cast<double>(used))) : env.Null());
}

}  // namespace chunkserve
