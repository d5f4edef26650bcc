// Deterministic randomness for the C++ tests (a failing case replays from its seed).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace check {

// splitmix64: tiny, fast and good enough for test data.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
  float symmetric(float scale = 1.f) { return static_cast<float>((uniform() * 2 - 1) * scale); }  // (-scale, scale)
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  bool chance(double p) { return uniform() < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(static_cast<int>(v.size()))]; }
};

inline std::vector<float> random_floats(Rng& r, size_t n, float scale = 1.f) {
  std::vector<float> v(n);
  for (float& x : v) x = r.symmetric(scale);
  return v;
}

inline std::vector<int32_t> random_tokens(Rng& r, size_t n, int vocab = 50) {
  std::vector<int32_t> v(n);
  for (int32_t& t : v) t = r.below(vocab);
  return v;
}

// max |a - b| / max |b|: the error relative to the output's scale; infinite when a holds a NaN
// (an output never written, in tests that fill outputs with NaN first).
template <class A, class B>
double rel_err(const A& a, const B& b) {
  double err = 0, scale = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    if (d != d) return INFINITY;
    err = d < 0 ? (err > -d ? err : -d) : (err > d ? err : d);
    const double m = b[i] < 0 ? -static_cast<double>(b[i]) : static_cast<double>(b[i]);
    scale = scale > m ? scale : m;
  }
  return scale == 0 ? err : err / scale;
}

// sqrt(sum (a - b)^2 / sum b^2) over n values; infinite when a holds a non-finite value.
template <class A, class B>
double rms_rel(const A* a, const B* b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    if (!std::isfinite(x)) return INFINITY;
    num += (x - y) * (x - y);
    den += y * y;
  }
  return std::sqrt(num / (den > 1e-300 ? den : 1e-300));
}

}  // namespace check
