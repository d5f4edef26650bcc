// Element types of checkpoint weights (the KV cache has its own, KvDType) and their reading as float.
#pragma once
#include <cstdint>
#include <cstring>

#include "common/dtype.h"  // half_to_float, bf16_to_float

namespace chunkserve {

enum class DType { F32, F16, BF16 };

inline size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 2; }

// Element i of a weight buffer of type t, as float.
inline float load_as_f32(const void* data, DType t, size_t i) {
  switch (t) {
    case DType::F32: { float f; std::memcpy(&f, static_cast<const char*>(data) + 4 * i, 4); return f; }
    case DType::F16: { uint16_t h; std::memcpy(&h, static_cast<const char*>(data) + 2 * i, 2); return half_to_float(h); }
    default: { uint16_t h; std::memcpy(&h, static_cast<const char*>(data) + 2 * i, 2); return bf16_to_float(h); }
  }
}

}  // namespace chunkserve
