// Module entry: runs every registered binding's export function.
#include "addon/registry.h"

namespace chunkserve {

std::vector<ExportFn>& addon_exporters() {
  static std::vector<ExportFn> fns;  // function-local: safe against static-init order
  return fns;
}

}  // namespace chunkserve

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : chunkserve::addon_exporters()) fn(env, exports);
  return exports;
}

NODE_API_MODULE(chunkserve, Init)
