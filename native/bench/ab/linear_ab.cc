// A/B on the peer benchmark's linear layers (hidden 1024, ffn 2816, 16/4 heads of 64, 8 layers,
// fp32) at T tokens, 2 threads, the two variants alternating round by round in one process, so
// that a neighbour's load and where the weights landed hit both alike. Prints the medians and how
// many rounds B won.
//   tiles: the GEMM's two tiles for larger token counts (gemm_tiles.h): A tall (12 x 1 panel),
//          B wide (6 x 2 panels), one thread pool;
//   spin:  the thread pool's waiting (thread_pool.h): A sleeps at once (spin 0), B polls for
//          ThreadPool::kDefaultSpinUs first; the tiles as chosen at start for both. Also prints
//          what one empty parallel_for costs with each;
//   pages: the weights' pages (common/huge_pages.h): A packed with transparent huge pages off for
//          the process (prctl), B as the engine packs them; the same values in both.
//   tasks: tasks per thread of a GEMM call at prefill sizes (gemm.h; T = 512, say: decode sizes
//          are not split into tasks): A 4, B $TASKS (default: gemm's own choice).
//   cmake --build native/build --target chunkserve_linear_ab
//   nice -n -15 native/build/chunkserve_linear_ab tiles|spin|pages|tasks [T=32] [layers=8] [rounds=15]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "common/cpu_features.h"
#include "model/gemm.h"
#include "model/gemm_tiles.h"

using namespace chunkserve;

namespace {

struct Layer {
  PackedMatrix q, k, v, o, gate_up, down;
};

struct Variant {
  const char* name;
  GemmKernels kern;
  ThreadPool* pool;
  std::vector<Layer>* layers;
  int tasks_per_thread = 0;  // gemm's own choice
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what != "tiles" && what != "spin" && what != "pages" && what != "tasks") {
    std::fprintf(stderr, "usage: chunkserve_linear_ab tiles|spin|pages|tasks [T=32] [layers=8] [rounds=15]\n");
    return 2;
  }
  const int64_t T = argc > 2 ? std::atoi(argv[2]) : 32;
  const int n_layers = argc > 3 ? std::atoi(argv[3]) : 8;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 15;
  constexpr int64_t H = 1024, KV = 256, F = 2816;
  ThreadPool pool(2, ThreadPool::kDefaultSpinUs), sleeping_pool(2, 0);
  const GemmKernels& base = gemm_kernels_for(simd_level());
  std::vector<Layer> layers[2];  // [0] for variant A in "pages", else both use [1]
  auto pack_layers = [&](std::vector<Layer>& out) {
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-0.05f, 0.05f);
    auto packed = [&](int64_t rows, int64_t cols) {
      std::vector<float> w(static_cast<size_t>(rows * cols));
      for (float& x : w) x = u(rng);
      return pack_matrix(WeightMatrix{w.data(), DType::F32, rows, cols}, base.nr, pool);
    };
    out.resize(n_layers);
    for (Layer& l : out) {
      l.q = packed(H, H), l.k = packed(KV, H), l.v = packed(KV, H), l.o = packed(H, H), l.down = packed(H, F);
      std::vector<float> g(static_cast<size_t>(F * H)), up(g.size());
      for (float& x : g) x = u(rng);
      for (float& x : up) x = u(rng);
      l.gate_up = pack_pairs(WeightMatrix{g.data(), DType::F32, F, H}, WeightMatrix{up.data(), DType::F32, F, H}, base.nr, pool);
    }
  };
  if (what == "pages") {
#if defined(__linux__) && defined(PR_SET_THP_DISABLE)
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    pack_layers(layers[0]);
    prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
#else
    std::fprintf(stderr, "pages: needs Linux's PR_SET_THP_DISABLE\n");
    return 2;
#endif
  }
  pack_layers(layers[1]);
  const GemmKernels chosen = choose_gemm_tiles(base, nullptr);
  Variant variants[2] = {{"spin 0", chosen, &sleeping_pool, &layers[1]}, {"spin default", chosen, &pool, &layers[1]}};
  if (what == "tiles") {
    variants[0] = {"tall", choose_gemm_tiles(base, "tall"), &pool, &layers[1]};
    variants[1] = {"wide", choose_gemm_tiles(base, "wide"), &pool, &layers[1]};
  } else if (what == "pages") {
    variants[0] = {"4 KiB pages", chosen, &pool, &layers[0]};
    variants[1] = {"huge pages", chosen, &pool, &layers[1]};
  } else if (what == "tasks") {
    const char* env = std::getenv("TASKS");
    variants[0] = {"4 tasks/thread", chosen, &pool, &layers[1], 4};
    variants[1] = {"$TASKS (or gemm's choice) tasks/thread", chosen, &pool, &layers[1], env != nullptr ? std::atoi(env) : 0};
  }
  std::vector<float> x(T * H, 0.01f), q(T * H), k(T * KV), v(T * KV), y(T * H), h(T * F),
      scratch(T * gemm_swiglu_scratch_cols(layers[1][0].gate_up));
  auto step = [&](const Variant& var) {  // the linear layers of one decode step
    for (Layer& l : *var.layers) {
      const GemmJob qkv[3] = {{&l.q, GemmMode::Store, q.data(), H}, {&l.k, GemmMode::Store, k.data(), KV},
                              {&l.v, GemmMode::Store, v.data(), KV}};
      gemm(x.data(), T, qkv, 3, *var.pool, var.kern, var.tasks_per_thread);
      const GemmJob o{&l.o, GemmMode::Accumulate, y.data(), H};
      gemm(q.data(), T, &o, 1, *var.pool, var.kern, var.tasks_per_thread);
      const GemmJob gu{&l.gate_up, GemmMode::SwiGLU, h.data(), F, nullptr, scratch.data()};
      gemm(x.data(), T, &gu, 1, *var.pool, var.kern, var.tasks_per_thread);
      const GemmJob d{&l.down, GemmMode::Accumulate, y.data(), H};
      gemm(h.data(), T, &d, 1, *var.pool, var.kern, var.tasks_per_thread);
    }
  };
  std::vector<double> ms[2];
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 2; ++i) {
      const int t = r % 2 ? 1 - i : i;  // alternate which goes first
      // past the other pool's polling, so that its worker sleeps instead of competing for a core
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      step(variants[t]);                // warm-up
      const auto t0 = std::chrono::steady_clock::now();
      for (int s = 0; s < 5; ++s) step(variants[t]);
      ms[t].push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / 5);
    }
  if (what == "spin") {
    for (const Variant& var : variants) {
      constexpr int kEmpty = 20000;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < kEmpty; ++i) var.pool->parallel_for(2, [](int64_t, int) {});
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      std::printf("%s: an empty parallel_for takes %.2f us\n", var.name, us / kEmpty);
    }
  }
  int b_wins = 0;
  for (int r = 0; r < rounds; ++r) b_wins += ms[1][r] < ms[0][r];
  const double flops = 2.0 * T * n_layers * (2 * H * H + 2 * KV * H + 3 * F * H);
  std::printf("T=%lld, %d layers: %s %.2f ms (%.0f GFLOPS), %s %.2f ms (%.0f GFLOPS), %s faster in %d of %d rounds\n",
              static_cast<long long>(T), n_layers, variants[0].name, median(ms[0]), flops / median(ms[0]) / 1e6,
              variants[1].name, median(ms[1]), flops / median(ms[1]) / 1e6, variants[1].name, b_wins, rounds);
}
