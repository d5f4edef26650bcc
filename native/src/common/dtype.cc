#include "common/dtype.h"

#include "common/cpu_features.h"

#include <cctype>
#include <stdexcept>

namespace chunkserve {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F16: return "fp16";
    case DType::BF16: return "bf16";
    default: return "fp32";
  }
}

DType parse_dtype(const std::string& name, const char* what) {
  std::string n = name;
  for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (n == "fp32" || n == "f32" || n == "float32") return DType::F32;
  if (n == "fp16" || n == "f16" || n == "float16") return DType::F16;
  if (n == "bf16" || n == "bfloat16") return DType::BF16;
  throw std::invalid_argument(std::string("unknown ") + what + " '" + name + "' (expected fp32, fp16 or bf16)");
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);  // inf / NaN
  } else if (exp != 0) {
    u = sign | ((exp + 112) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    u = sign;  // +-0
  } else {
    // subnormal: normalise the mantissa
    int shift = 0;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      ++shift;
    }
    mant &= 0x3ffu;
    u = sign | (static_cast<uint32_t>(113 - shift) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs >= 0x7f800000u) return sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u);  // inf / NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds past 65504: inf
  if (abs < 0x38800000u) {
    // result is subnormal (or zero): value = abs * 2^24 in half-ulps, round to nearest even
    if (abs < 0x33000000u) return sign;  // below half the smallest subnormal
    const uint32_t exp = abs >> 23;
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - static_cast<int>(exp);  // 14..24
    uint32_t r = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return sign | static_cast<uint16_t>(r);
  }
  // normal: rebias and round the 13 dropped bits to nearest even (a carry may bump the exponent)
  uint32_t v = abs - (112u << 23);
  v += 0xfffu + ((v >> 13) & 1u);
  return sign | static_cast<uint16_t>(v >> 13);
}

// The AVX2 + F16C versions (convert_avx2.cc), used where the CPU has them.
void f32_to_f16_avx2(const float* src, uint16_t* dst, size_t n);
void f16_to_f32_avx2(const uint16_t* src, float* dst, size_t n);
void f32_to_bf16_avx2(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32_avx2(const uint16_t* src, float* dst, size_t n);

static bool use_avx2() {
  static const bool yes = simd_level() >= SimdLevel::Avx2;
  return yes;
}

void store_as(DType t, const float* src, void* dst, size_t n) {
  auto* d = static_cast<uint16_t*>(dst);
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::F16:
      if (use_avx2()) return f32_to_f16_avx2(src, d, n);
      for (size_t i = 0; i < n; ++i) d[i] = float_to_half(src[i]);
      return;
    case DType::BF16:
      if (use_avx2()) return f32_to_bf16_avx2(src, d, n);
      for (size_t i = 0; i < n; ++i) d[i] = float_to_bf16(src[i]);
      return;
  }
}

void load_as_float(DType t, const void* src, float* dst, size_t n) {
  const auto* s = static_cast<const uint16_t*>(src);
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, n * 4);
      return;
    case DType::F16:
      if (use_avx2()) return f16_to_f32_avx2(s, dst, n);
      for (size_t i = 0; i < n; ++i) dst[i] = half_to_float(s[i]);
      return;
    case DType::BF16:
      if (use_avx2()) return bf16_to_f32_avx2(s, dst, n);
      for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_float(s[i]);
      return;
  }
}

}  // namespace chunkserve
