// A/B of TPP's phase-1 kernel (rv, attention/attend_kernels_impl.h) between a git revision and
// the working tree: the paper's setting (shared 2048 tokens = 32 chunks per head, batch 32 = 32
// query rows, 32 heads, head_dim 128, fp16 K/V) over a pool laid out like the cache's
// ([chunk][layer][K|V][head][64][128], huge pages, `layers` layers rotated), 2 threads splitting
// the heads, the two kernels alternating round by round in one process. Build and run with
// rv-ab.sh (AVX-512 machines; the revision's header must match today's attend_kernels.h API).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <thread>
#include <vector>

#include "common/simd_avx512.h"
#define CS_SIMD SimdAvx512
#define CS_ISA_NS isa_base
#include "base_impl.h"  // the revision's kernels (rv-ab.sh extracts it)
#undef CS_ISA_NS
#define CS_ISA_NS isa_head
#include "attention/attend_kernels_impl.h"

using namespace chunkserve;

int main(int argc, char** argv) {
  constexpr int HD = 128, NT = 64, ROWS = 32, NCH = 32, HEADS = 32, THREADS = 2, STEPS = 10;
  const int n_layers = argc > 1 ? std::atoi(argv[1]) : 8;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 21;
  const size_t plane = static_cast<size_t>(NT) * HD;             // elements of one [64][128] plane
  const size_t chunk = plane * 2 * HEADS * n_layers;             // elements of one chunk
  const size_t huge = size_t(2) << 20;
  const size_t bytes = (chunk * NCH * 2 + huge - 1) / huge * huge;
  auto* pool = static_cast<uint16_t*>(std::aligned_alloc(huge, bytes));
  madvise(pool, bytes, MADV_HUGEPAGE);
  std::mt19937 rng(1);
  for (size_t i = 0; i < bytes / 2; ++i) pool[i] = 0x3c00 ^ (rng() & 0x83ff);  // fp16 in (-2, 2)
  auto plane_at = [&](int c, int layer, int kv, int h) -> const void* {
    return pool + c * chunk + ((static_cast<size_t>(layer) * 2 + kv) * HEADS + h) * plane;
  };
  using Rv = decltype(&isa_head::rv<HD, DType::F16>);
  const Rv kernels[2] = {&isa_base::rv<HD, DType::F16>, &isa_head::rv<HD, DType::F16>};
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  std::vector<float> qt(HD * ROWS);  // [HD][ROWS] scaled queries
  for (float& x : qt) x = u(rng);
  auto work = [&](int thread, int layer, Rv rv) {
    std::vector<float> ot(HD * ROWS), m(ROWS), l(ROWS);
    RvScratch scratch;
    for (int h = thread; h < HEADS; h += THREADS) {
      std::fill(ot.begin(), ot.end(), 0.f);
      std::fill(m.begin(), m.end(), -INFINITY);
      std::fill(l.begin(), l.end(), 0.f);
      for (int c = 0; c < NCH; ++c) {
        const bool more = c + 1 < NCH;
        rv(qt.data(), ROWS, plane_at(c, layer, 0, h), plane_at(c, layer, 1, h), NT, nullptr, ot.data(), m.data(), l.data(),
           scratch, more ? plane_at(c + 1, layer, 0, h) : nullptr, more ? plane_at(c + 1, layer, 1, h) : nullptr);
      }
    }
  };
  const double flops = 4.0 * NT * HD * ROWS * NCH * HEADS;  // QK^T and PV of one step
  std::vector<double> gflops[2];
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < 2; ++i) {
      const int k = r % 2 ? 1 - i : i;  // alternate which goes first
      const auto t0 = std::chrono::steady_clock::now();
      for (int s = 0; s < STEPS; ++s) {
        std::thread other(work, 1, s % n_layers, kernels[k]);
        work(0, s % n_layers, kernels[k]);
        other.join();
      }
      const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / STEPS;
      gflops[k].push_back(flops / us / 1e3);
    }
  int head_wins = 0;
  std::vector<double> ratio;
  for (int r = 0; r < rounds; ++r) {
    head_wins += gflops[1][r] > gflops[0][r];
    ratio.push_back(gflops[1][r] / gflops[0][r]);
  }
  for (auto* v : {&gflops[0], &gflops[1], &ratio}) std::sort(v->begin(), v->end());
  std::printf("revision %.1f GFLOPS, working tree %.1f GFLOPS (medians), ratio %.3f, working tree faster in %d of %d rounds\n",
              gflops[0][rounds / 2], gflops[1][rounds / 2], ratio[rounds / 2], head_wins, rounds);
  std::free(pool);
}
