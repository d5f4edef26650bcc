// The scheduler's events as JavaScript objects: the RuntimeEvent union of native/index.d.ts,
// discriminated by `type`.
#pragma once
#include <napi.h>

#include "runtime/request.h"

namespace chunkserve {

Napi::Object event_to_js(Napi::Env env, const RuntimeEvent& e);

// A CacheEvent / CacheChunk hash as 16 hex digits ("" for 0: not committed).
std::string cache_hash_hex(uint64_t hash);

}  // namespace chunkserve
