// The device fields of backendInfo() and LlmRuntime.info() (native/index.d.ts): the GPU's name
// and its memory in use / in total, null when the engine computes on the CPU.
#pragma once
#include <napi.h>

namespace chunkserve {

void set_device_fields(Napi::Object& out, bool on_cuda);

}  // namespace chunkserve
