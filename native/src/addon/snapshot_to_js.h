// The cache snapshot (tree + counters) as plain JS objects; shared by the KvCache and LlmRuntime
// bindings so the dashboard sees one shape.
#pragma once
#include <napi.h>

#include <string>

#include "cache/kv_cache.h"

namespace chunkserve {

Napi::Object counters_to_js(Napi::Env env, const CacheCounters& counters);

// only_namespace: when not empty, only that namespace's chunks (counters stay pool-wide).
Napi::Object snapshot_to_js(Napi::Env env, const CacheSnapshot& snap, const std::string& only_namespace = "");

}  // namespace chunkserve
