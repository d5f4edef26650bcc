// Storage dtypes of the KV cache and scalar conversions to and from fp32.
// K/V are stored in one of these; every kernel computes in fp32 (the reference in float64).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace chunkserve {

enum class KvDType : int { F32 = 0, F16 = 1, BF16 = 2 };

inline size_t dtype_size(KvDType t) { return t == KvDType::F32 ? 4 : 2; }
const char* dtype_name(KvDType t);
// Parses "fp32"/"f32"/"float32", "fp16"/"f16"/"float16", "bf16"/"bfloat16"; throws std::invalid_argument.
KvDType parse_dtype(const std::string& name);

// IEEE half <-> float, round to nearest even; handles subnormals, inf and NaN.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

// bfloat16 <-> float (bf16 is the top 16 bits of an fp32), round to nearest even, NaN kept quiet.
inline float bf16_to_float(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

// Converts n fp32 values into dst of dtype t (dst: n * dtype_size(t) bytes).
void store_as(KvDType t, const float* src, void* dst, size_t n);
// Converts n values of dtype t into fp32.
void load_as_float(KvDType t, const void* src, float* dst, size_t n);
// One element as double (for the float64 reference).
double load_as_double(KvDType t, const void* src, size_t i);

}  // namespace chunkserve
