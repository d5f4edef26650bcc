// 8-lane fp32 "vector" of plain floats for CPUs without AVX2 (and to test the kernels' logic
// without intrinsics). The loops are simple enough for the compiler to vectorise with SSE.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/dtype.h"

namespace chunkserve {

struct SimdPortable {
  struct V {
    float x[8];
  };
  static constexpr int W = 8;
  static constexpr const char* name = "portable";

  template <class F>
  static V map(F f) {
    V r;
    for (int i = 0; i < W; ++i) r.x[i] = f(i);
    return r;
  }
  static V zero() { return set1(0.f); }
  static V set1(float a) { return map([&](int) { return a; }); }
  static V load(const float* p) { V r; std::memcpy(r.x, p, sizeof r.x); return r; }
  static void store(float* p, V a) { std::memcpy(p, a.x, sizeof a.x); }
  static V load_f16(const uint16_t* p) { return map([&](int i) { return half_to_float(p[i]); }); }
  static V load_bf16(const uint16_t* p) { return map([&](int i) { return bf16_to_float(p[i]); }); }
  static V add(V a, V b) { return map([&](int i) { return a.x[i] + b.x[i]; }); }
  static V sub(V a, V b) { return map([&](int i) { return a.x[i] - b.x[i]; }); }
  static V mul(V a, V b) { return map([&](int i) { return a.x[i] * b.x[i]; }); }
  static V div(V a, V b) { return map([&](int i) { return a.x[i] / b.x[i]; }); }
  // The first n (< W) lanes from / to memory; loads give 0 past them.
  static V load_n(const float* p, int n) { return map([&](int i) { return i < n ? p[i] : 0.f; }); }
  static void store_n(float* p, V a, int n) { std::memcpy(p, a.x, sizeof(float) * n); }
  static V max(V a, V b) { return map([&](int i) { return a.x[i] > b.x[i] ? a.x[i] : b.x[i]; }); }
  static V min(V a, V b) { return map([&](int i) { return a.x[i] < b.x[i] ? a.x[i] : b.x[i]; }); }
  static V fmadd(V a, V b, V c) { return map([&](int i) { return a.x[i] * b.x[i] + c.x[i]; }); }
  static V select_lt(V a, V b, V x, V y) { return map([&](int i) { return a.x[i] < b.x[i] ? x.x[i] : y.x[i]; }); }
  static V round(V a) { return map([&](int i) { return std::nearbyint(a.x[i]); }); }
  static V pow2i(V n) { return map([&](int i) { return std::ldexp(1.f, static_cast<int>(n.x[i])); }); }
  static float hsum(V a) {
    float s = 0.f;
    for (float v : a.x) s += v;
    return s;
  }
  static float hmax(V a) {
    float m = a.x[0];
    for (float v : a.x) m = v > m ? v : m;
    return m;
  }
};

}  // namespace chunkserve
