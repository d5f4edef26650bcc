// Self-registration of the addon's bindings.
//
// Each *_binding.cc file defines a static AddonRegistrar that adds its exports to the module
// object, so a new binding needs no edit to module.cc.
#pragma once
#include <napi.h>
#include <vector>

namespace chunkserve {

using ExportFn = void (*)(Napi::Env env, Napi::Object exports);

std::vector<ExportFn>& addon_exporters();

struct AddonRegistrar {
  explicit AddonRegistrar(ExportFn fn) { addon_exporters().push_back(fn); }
};

}  // namespace chunkserve
