// fp32 <-> fp16 / bf16 conversions: the vectorised paths agree bit for bit with the scalar ones
// (round to nearest even) on random values of every magnitude and on the special values.
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "check.h"
#include "common/dtype.h"
#include "test_random.h"

using namespace chunkserve;

namespace {

std::vector<float> awkward_values(check::Rng& r, size_t n) {
  std::vector<float> v{0.f, -0.f, 1.f, -1.f, 65504.f, 65520.f, -65520.f, 1e-8f, 5.96e-8f, 6.1e-5f, FLT_MAX, -FLT_MAX,
                       std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                       std::numeric_limits<float>::quiet_NaN(), 1.00048828125f /* a tie for fp16 */};
  while (v.size() < n) {
    uint32_t bits = static_cast<uint32_t>(r.next());
    float f;
    std::memcpy(&f, &bits, 4);
    v.push_back(r.chance(0.5) ? f : r.symmetric(static_cast<float>(std::pow(10.0, r.below(12) - 6))));
  }
  return v;
}

bool same_bits_or_both_nan(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;
}

}  // namespace

TEST_CASE("store_as and load_as_float agree with the scalar conversions bit for bit") {
  check::Rng r(9);
  const auto v = awkward_values(r, 4099);  // not a multiple of the vector width
  for (DType dt : {DType::F16, DType::BF16}) {
    std::vector<uint16_t> packed(v.size());
    store_as(dt, v.data(), packed.data(), v.size());
    std::vector<float> back(v.size());
    load_as_float(dt, packed.data(), back.data(), v.size());
    int mismatches = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      const uint16_t want = dt == DType::F16 ? float_to_half(v[i]) : float_to_bf16(v[i]);
      const bool both_nan = std::isnan(bits16_to_float(dt, want)) && std::isnan(bits16_to_float(dt, packed[i]));
      if (packed[i] != want && !both_nan) ++mismatches;
      if (!same_bits_or_both_nan(back[i], bits16_to_float(dt, packed[i]))) ++mismatches;
    }
    CHECK_EQ(mismatches, 0);
  }
}
