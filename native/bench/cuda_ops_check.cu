// `cuda_check ops`: the CUDA backend's GEMM kernels (skinny and tiled, every epilogue, fp16 and
// bf16) and its element-wise kernels (embedding, RMSNorm, RoPE) on fresh random shapes against
// float64 on the host, with outputs poisoned first (every element must be written). Large
// model-sized GEMMs are also timed (TFLOP/s, weight GB/s). One JSON line per case.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "common/dtype.h"
#include "cuda/cuda_gemm.h"
#include "cuda/cuda_layers.h"
#include "cuda/device_buffer.h"
#include "cuda/layer_math.h"
#include "model/layer_ops.h"
#include "test_random.h"

namespace chunkserve {

namespace {

using check::Rng;

template <class T>
DeviceBuffer upload(const std::vector<T>& v) {
  DeviceBuffer b(std::max<size_t>(1, v.size()) * sizeof(T));
  b.upload(v.data(), v.size() * sizeof(T));
  return b;
}

std::vector<float> download(const DeviceBuffer& b, size_t n) {
  std::vector<float> v(n);
  b.download(v.data(), n * sizeof(float));
  return v;
}

float round16(DType t, float x) { return bits16_to_float(t, float_to_bits16(t, x)); }

struct Err {
  double num = 0, den = 0;
  bool finite = true;
  void add(double got, double ref) {
    if (!std::isfinite(got)) finite = false;
    num += (got - ref) * (got - ref);
    den += ref * ref;
  }
  double rel() const { return finite ? std::sqrt(num / std::max(den, 1e-300)) : INFINITY; }
};

int failures = 0;

void report(const std::string& what, double rel, double tol, const std::string& extra = "") {
  const bool ok = rel < tol;
  failures += !ok;
  std::printf("{\"check\":\"%s\",\"op\":\"%s\",\"rel\":%.3g,\"tol\":%g%s}\n", ok ? "pass" : "FAIL", what.c_str(), rel, tol,
              extra.c_str());
  std::fflush(stdout);
}

// One GEMM case: y = epilogue(x W^T) on the GPU vs float64 over a sample of outputs.
void gemm_case(Rng& r, DType t, int M, int N, int K, gemm::Epilogue mode, bool split, bool timed) {
  std::vector<float> x(static_cast<size_t>(M) * K), w(static_cast<size_t>(N) * K), bias(N);
  std::vector<uint16_t> wbits(w.size());
  for (float& v : x) v = r.symmetric();
  for (size_t i = 0; i < w.size(); ++i) {
    wbits[i] = float_to_bits16(t, r.symmetric(1.f / std::sqrt(static_cast<float>(K))));
    w[i] = bits16_to_float(t, wbits[i]);
  }
  for (float& v : bias) v = r.symmetric();
  const int out_cols = mode == gemm::Epilogue::SwiGLU ? N / 2 : N;
  std::vector<float> y0(static_cast<size_t>(M) * out_cols);
  for (float& v : y0) v = r.symmetric();
  const int widths[3] = {split ? N / 2 : out_cols, split ? N / 4 : 0, split ? N - N / 2 - N / 4 : 0};
  std::vector<DeviceBuffer> outs;
  gemm::GemmOut o;
  o.mode = mode;
  for (int p = 0; p < (split ? 3 : 1); ++p) {
    std::vector<float> init(static_cast<size_t>(M) * widths[p], NAN);  // poison: every element must be written
    if (mode == gemm::Epilogue::Accumulate) init = y0;
    outs.push_back(upload(init));
    o.out[p] = static_cast<float*>(outs.back().get());
    o.cols[p] = widths[p];
  }
  DeviceBuffer xd = upload(x), wd = upload(wbits), bd = upload(bias), x16(static_cast<size_t>(M) * K * 2);
  if (split) o.bias = static_cast<const float*>(bd.get());
  cuda_gemm(t, static_cast<const float*>(xd.get()), x16.get(), M, wd.get(), N, K, o);
  cuda_synchronize("gemm");
  std::vector<std::vector<float>> got;
  for (int p = 0; p < (split ? 3 : 1); ++p) got.push_back(download(outs[p], static_cast<size_t>(M) * widths[p]));
  for (const auto& g : got)
    for (float v : g)
      if (!std::isfinite(v)) {
        report("gemm unwritten/non-finite output", INFINITY, 1);
        return;
      }
  auto dot = [&](int m, int n) {
    double s = 0;
    for (int k = 0; k < K; ++k) s += static_cast<double>(round16(t, x[static_cast<size_t>(m) * K + k])) * w[static_cast<size_t>(n) * K + k];
    return s;
  };
  Err e;
  const int samples = std::min(4096, M * out_cols);
  for (int i = 0; i < samples; ++i) {
    const int m = samples == M * out_cols ? i / out_cols : r.below(M), c = samples == M * out_cols ? i % out_cols : r.below(out_cols);
    double ref;
    float g;
    if (mode == gemm::Epilogue::SwiGLU) {
      const double gate = dot(m, 2 * c), up = dot(m, 2 * c + 1);
      ref = gate / (1 + std::exp(-gate)) * up;
      g = got[0][static_cast<size_t>(m) * out_cols + c];
    } else if (mode == gemm::Epilogue::Accumulate) {
      ref = y0[static_cast<size_t>(m) * out_cols + c] + dot(m, c);
      g = got[0][static_cast<size_t>(m) * out_cols + c];
    } else {
      ref = dot(m, c) + (split ? bias[c] : 0.0);
      int part, col;
      gemm::split_column(o, c, part, col);
      g = got[part][static_cast<size_t>(m) * widths[part] + col];
    }
    e.add(g, ref);
  }
  char extra[256];
  int n = std::snprintf(extra, sizeof extra, ",\"dtype\":\"%s\",\"M\":%d,\"N\":%d,\"K\":%d,\"mode\":%d,\"split\":%s,\"kernel\":\"%s\"",
                        dtype_name(t), M, N, K, static_cast<int>(mode), split ? "true" : "false",
                        M <= gemm::kSkinnyMaxRows ? "skinny" : "tiled");
  if (timed) {
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    for (int i = 0; i < 3; ++i) cuda_gemm(t, static_cast<const float*>(xd.get()), x16.get(), M, wd.get(), N, K, o);
    cudaEventRecord(a);
    const int reps = 20;
    for (int i = 0; i < reps; ++i) cuda_gemm(t, static_cast<const float*>(xd.get()), x16.get(), M, wd.get(), N, K, o);
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    const double s = ms * 1e-3 / reps;
    std::snprintf(extra + n, sizeof extra - n, ",\"us\":%.1f,\"tflops\":%.1f,\"weight_GBps\":%.0f", s * 1e6,
                  2.0 * M * N * K / s / 1e12, 2.0 * N * K / s / 1e9);
    cudaEventDestroy(a);
    cudaEventDestroy(b);
  }
  report("gemm", e.rel(), 1e-4, extra);
}

void layer_cases(Rng& r) {
  // RMSNorm
  for (int dim : {64, 100, 2048, 5000}) {
    const int n = 1 + r.below(40);
    std::vector<float> x(static_cast<size_t>(n) * dim), w(dim);
    for (float& v : x) v = r.symmetric(3.f);
    for (float& v : w) v = 1 + r.symmetric(0.2f);
    DeviceBuffer xd = upload(x), wd = upload(w), yd = upload(std::vector<float>(x.size(), NAN));
    cuda_rms_norm(static_cast<const float*>(xd.get()), static_cast<const float*>(wd.get()), n, dim, 1e-5f, static_cast<float*>(yd.get()));
    cuda_synchronize("rms_norm");
    const std::vector<float> y = download(yd, x.size());
    Err e;
    for (int t = 0; t < n; ++t) {
      double ss = 0;
      for (int i = 0; i < dim; ++i) ss += static_cast<double>(x[t * dim + i]) * x[t * dim + i];
      for (int i = 0; i < dim; ++i) e.add(y[t * dim + i], x[t * dim + i] / std::sqrt(ss / dim + 1e-5) * w[i]);
    }
    report("rms_norm", e.rel(), 1e-5, ",\"dim\":" + std::to_string(dim));
  }
  // RoPE with llama3 scaling, positions inside and far past the original context
  for (int head_dim : {64, 128}) {
    ModelConfig c;
    c.head_dim = head_dim, c.rope_theta = 500000, c.rope_scaling = RopeScaling::Llama3, c.rope_factor = 8;
    c.rope_original_max_positions = 8192;
    const Rope rope(c);
    const int n = 1 + r.below(50), heads = 1 + r.below(8);
    std::vector<int32_t> pos(n);
    for (int32_t& p : pos) p = r.below(2) ? r.below(4096) : r.below(130000);
    std::vector<float> x(static_cast<size_t>(n) * heads * head_dim);
    for (float& v : x) v = r.symmetric();
    DeviceBuffer xd = upload(x), pd = upload(pos), fd = upload(rope.inv_freq());
    cuda_rope(static_cast<float*>(xd.get()), static_cast<const int32_t*>(pd.get()), static_cast<const double*>(fd.get()), n, heads,
              head_dim);
    cuda_synchronize("rope");
    const std::vector<float> y = download(xd, x.size());
    Err e;
    const int half = head_dim / 2;
    for (int t = 0; t < n; ++t)
      for (int h = 0; h < heads; ++h)
        for (int i = 0; i < half; ++i) {
          const double a = static_cast<double>(pos[t]) * rope.inv_freq()[i];
          const size_t o = (static_cast<size_t>(t) * heads + h) * head_dim;
          e.add(y[o + i], x[o + i] * std::cos(a) - x[o + i + half] * std::sin(a));
          e.add(y[o + i + half], x[o + i + half] * std::cos(a) + x[o + i] * std::sin(a));
        }
    report("rope", e.rel(), 1e-5, ",\"head_dim\":" + std::to_string(head_dim));
  }
  // Embedding rows of a 16-bit table
  for (DType t : {DType::BF16, DType::F16}) {
    const int vocab = 1000, H = 264, n = 37;
    std::vector<uint16_t> table(static_cast<size_t>(vocab) * H);
    for (uint16_t& v : table) v = float_to_bits16(t, r.symmetric());
    std::vector<int32_t> toks(n);
    for (int32_t& v : toks) v = r.below(vocab);
    DeviceBuffer td = upload(table), kd = upload(toks), xd = upload(std::vector<float>(static_cast<size_t>(n) * H, NAN));
    cuda_embed(t, td.get(), static_cast<const int32_t*>(kd.get()), n, H, static_cast<float*>(xd.get()));
    cuda_synchronize("embed");
    const std::vector<float> x = download(xd, static_cast<size_t>(n) * H);
    Err e;
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < H; ++j) e.add(x[static_cast<size_t>(i) * H + j], bits16_to_float(t, table[static_cast<size_t>(toks[i]) * H + j]));
    report("embed", e.rel(), 1e-7, std::string(",\"dtype\":\"") + dtype_name(t) + "\"");
  }
}

}  // namespace

int ops_main() {
  Rng r(20261202);
  for (DType t : {DType::BF16, DType::F16}) {
    for (int M : {1, 3, 8, 9, 16, 17, 31, 32, 33, 64, 65, 130})
      for (int mode = 0; mode < 3; ++mode) {
        const int N = 2 * (1 + r.below(300)), K = 8 * (1 + r.below(100));
        gemm_case(r, t, M, N, K, static_cast<gemm::Epilogue>(mode), mode == 0 && M % 2 == 1, false);
      }
  }
  // Model-sized (TinyLlama's fused QKV, gate/up, down, lm_head) at decode and prefill sizes, timed.
  const int shapes[][2] = {{2560, 2048}, {11264, 2048}, {2048, 5632}, {32000, 2048}};
  for (int M : {1, 32, 512})
    for (const auto& s : shapes) gemm_case(r, DType::BF16, M, s[0], s[1], gemm::Epilogue::Store, false, true);
  layer_cases(r);
  std::printf("{\"ops_summary\":{\"failures\":%d}}\n", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace chunkserve
