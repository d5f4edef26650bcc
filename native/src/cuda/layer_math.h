// The per-element math of the CUDA layer kernels (layer_kernels.cuh), in one header that g++
// compiles too, so the C++ tests check the very functions the kernels call
// (native/test/cpp/cuda_layer_math_test.cc). Everything is fp32 except the RoPE angle, which is
// double as in the CPU's Rope (model/layer_ops.cc): position * inv_freq loses too much in fp32
// past a few thousand positions.
#pragma once
#include <math.h>

#include "cuda/host_device.h"

namespace chunkserve {
namespace layer_math {

// RMSNorm's row scale from the row's sum of squares: 1 / sqrt(mean(x^2) + eps).
CS_HD float rms_inv(float sum_sq, int dim, float eps) { return 1.f / sqrtf(sum_sq / static_cast<float>(dim) + eps); }
// One element of a normalised row: x * inv * weight (the CPU's order of the products).
CS_HD float rms_apply(float x, float inv, float weight) { return x * inv * weight; }

// cos and sin of position pos at frequency inv_freq (one entry of the CPU's Rope::inv_freq()).
CS_HD void rope_cos_sin(int pos, double inv_freq, float& c, float& s) {
  const double a = static_cast<double>(pos) * inv_freq;
  c = static_cast<float>(cos(a));
  s = static_cast<float>(sin(a));
}
// Rotates the pair (x[i], x[i + head_dim/2]) (Hugging Face's rotate_half layout) in place.
CS_HD void rope_rotate(float& a, float& b, float c, float s) {
  const float x = a, y = b;
  a = x * c - y * s;
  b = y * c + x * s;
}

// SwiGLU of one gate/up pair: silu(g) * u, silu(g) = g / (1 + e^-g) (the CPU epilogue's form).
CS_HD float swiglu(float g, float u) { return g / (1.f + expf(-g)) * u; }

}  // namespace layer_math
}  // namespace chunkserve
