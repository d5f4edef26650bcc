// Element types: of checkpoint weights and of the KV cache's storage (one enum for both), and
// conversions to and from fp32. Every kernel computes in fp32 (the references in float64).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace chunkserve {

enum class DType : int { F32 = 0, F16 = 1, BF16 = 2 };

inline size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 2; }
// "fp32", "fp16" or "bf16".
const char* dtype_name(DType t);
// Parses fp32/f32/float32, fp16/f16/float16, bf16/bfloat16, any case (so safetensors' "F32",
// "F16", "BF16" too); throws std::invalid_argument "unknown <what> '<name>' (expected ...)".
DType parse_dtype(const std::string& name, const char* what = "dtype");

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

// A 16-bit type (F16 or BF16) <-> float.
inline uint16_t float_to_bits16(DType t, float f) { return t == DType::BF16 ? float_to_bf16(f) : float_to_half(f); }
inline float bits16_to_float(DType t, uint16_t b) { return t == DType::BF16 ? bf16_to_float(b) : half_to_float(b); }

// Element i of a buffer of type t, as float / as double.
inline float load_float(DType t, const void* src, size_t i) {
  if (t == DType::F32) {
    float f;
    std::memcpy(&f, static_cast<const char*>(src) + 4 * i, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, static_cast<const char*>(src) + 2 * i, 2);
  return bits16_to_float(t, h);
}
inline double load_double(DType t, const void* src, size_t i) { return load_float(t, src, i); }

// Converts n fp32 values into dst of type t (dst: n * dtype_size(t) bytes).
void store_as(DType t, const float* src, void* dst, size_t n);
// Converts n values of type t into fp32.
void load_as_float(DType t, const void* src, float* dst, size_t n);

}  // namespace chunkserve
