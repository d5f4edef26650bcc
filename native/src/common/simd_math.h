// Vector math on top of a Simd* helper struct (common/simd_*.h): exp in fp32.
#pragma once

namespace chunkserve {

// e^x lane by lane, relative error ~2 ulp on [-87.3, 88.3]; 0 below (so exp(-inf) = 0).
// Cephes-style: x = n ln2 + r, |r| <= ln2/2, e^r by a degree-6 polynomial, times 2^n.
template <class S>
inline typename S::V vexp(typename S::V x) {
  using V = typename S::V;
  const V lo = S::set1(-87.33654f);
  const V xc = S::min(S::max(x, lo), S::set1(88.37626f));
  const V n = S::round(S::mul(xc, S::set1(1.44269504088896341f)));
  V r = S::fmadd(n, S::set1(-0.693359375f), xc);  // ln2 split in two for accuracy
  r = S::fmadd(n, S::set1(2.12194440e-4f), r);
  V p = S::set1(1.9875691500e-4f);
  p = S::fmadd(p, r, S::set1(1.3981999507e-3f));
  p = S::fmadd(p, r, S::set1(8.3334519073e-3f));
  p = S::fmadd(p, r, S::set1(4.1665795894e-2f));
  p = S::fmadd(p, r, S::set1(1.6666665459e-1f));
  p = S::fmadd(p, r, S::set1(5.0000001201e-1f));
  const V r2 = S::mul(r, r);
  const V e = S::add(S::fmadd(p, r2, r), S::set1(1.f));
  return S::select_lt(x, lo, S::zero(), S::mul(e, S::pow2i(n)));
}

}  // namespace chunkserve
