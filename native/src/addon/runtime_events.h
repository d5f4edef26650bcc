// The scheduler's events as JavaScript objects: the RuntimeEvent union of native/index.d.ts,
// discriminated by `type`.
#pragma once
#include <napi.h>

#include "runtime/request.h"

namespace chunkserve {

Napi::Object event_to_js(Napi::Env env, const RuntimeEvent& e);

}  // namespace chunkserve
