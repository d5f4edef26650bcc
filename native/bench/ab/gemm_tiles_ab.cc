// A/B of the GEMM's two tiles for larger token counts (gemm_tiles.h): the peer benchmark's
// linear layers (hidden 1024, ffn 2816, 16/4 heads of 64, 8 layers, fp32) at T tokens, 2 threads,
// tall (12 x 1 panel) and wide (6 x 2 panels) alternating round by round in one process, so that
// a neighbour's load and where the weights landed hit both alike. Prints the medians and how
// many rounds each won.
//   cmake --build native/build --target chunkserve_gemm_tiles_ab
//   nice -n -15 native/build/chunkserve_gemm_tiles_ab [T=32] [layers=8] [rounds=15]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "common/cpu_features.h"
#include "model/gemm.h"
#include "model/gemm_tiles.h"

using namespace chunkserve;

namespace {

struct Layer {
  PackedMatrix q, k, v, o, gate_up, down;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t T = argc > 1 ? std::atoi(argv[1]) : 32;
  const int n_layers = argc > 2 ? std::atoi(argv[2]) : 8;
  const int rounds = argc > 3 ? std::atoi(argv[3]) : 15;
  constexpr int64_t H = 1024, KV = 256, F = 2816;
  ThreadPool pool(2);
  const GemmKernels& base = gemm_kernels_for(simd_level());
  const GemmKernels tiles[2] = {choose_gemm_tiles(base, "tall"), choose_gemm_tiles(base, "wide")};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  auto packed = [&](int64_t rows, int64_t cols) {
    std::vector<float> w(static_cast<size_t>(rows * cols));
    for (float& x : w) x = u(rng);
    return pack_matrix(WeightMatrix{w.data(), DType::F32, rows, cols}, base.nr, pool);
  };
  std::vector<Layer> layers(n_layers);
  for (Layer& l : layers) {
    l.q = packed(H, H), l.k = packed(KV, H), l.v = packed(KV, H), l.o = packed(H, H), l.down = packed(H, F);
    std::vector<float> g(static_cast<size_t>(F * H)), up(g.size());
    for (float& x : g) x = u(rng);
    for (float& x : up) x = u(rng);
    l.gate_up = pack_pairs(WeightMatrix{g.data(), DType::F32, F, H}, WeightMatrix{up.data(), DType::F32, F, H}, base.nr, pool);
  }
  std::vector<float> x(T * H, 0.01f), q(T * H), k(T * KV), v(T * KV), y(T * H), h(T * F),
      scratch(T * gemm_swiglu_scratch_cols(layers[0].gate_up));
  auto step = [&](const GemmKernels& kern) {  // the linear layers of one decode step
    for (Layer& l : layers) {
      const GemmJob qkv[3] = {{&l.q, GemmMode::Store, q.data(), H}, {&l.k, GemmMode::Store, k.data(), KV},
                              {&l.v, GemmMode::Store, v.data(), KV}};
      gemm(x.data(), T, qkv, 3, pool, kern);
      const GemmJob o{&l.o, GemmMode::Accumulate, y.data(), H};
      gemm(q.data(), T, &o, 1, pool, kern);
      const GemmJob gu{&l.gate_up, GemmMode::SwiGLU, h.data(), F, nullptr, scratch.data()};
      gemm(x.data(), T, &gu, 1, pool, kern);
      const GemmJob d{&l.down, GemmMode::Accumulate, y.data(), H};
      gemm(h.data(), T, &d, 1, pool, kern);
    }
  };
  std::vector<double> ms[2];
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 2; ++i) {
      const int t = r % 2 ? 1 - i : i;  // alternate which goes first
      step(tiles[t]);                   // warm-up
      const auto t0 = std::chrono::steady_clock::now();
      for (int s = 0; s < 5; ++s) step(tiles[t]);
      ms[t].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 5);
    }
  int wide_wins = 0;
  for (int r = 0; r < rounds; ++r) wide_wins += ms[1][r] < ms[0][r];
  const double flops = 2.0 * T * n_layers * (2 * H * H + 2 * KV * H + 3 * F * H);
  std::printf("T=%lld, %d layers: tall %.2f ms (%.0f GFLOPS), wide %.2f ms (%.0f GFLOPS), wide faster in %d of %d rounds\n",
              static_cast<long long>(T), n_layers, median(ms[0]), flops / median(ms[0]) / 1e6, median(ms[1]),
              flops / median(ms[1]) / 1e6, wide_wins, rounds);
}
