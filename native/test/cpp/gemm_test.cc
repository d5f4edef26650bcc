// The packed GEMM against float64 on random shapes (token counts from decode to prefill, widths
// on and off the panel and K-block edges), every weight dtype, every epilogue and every
// instruction set this CPU runs.
#include <cmath>

#include "check.h"
#include "common/cpu_features.h"
#include "model/gemm.h"
#include "model/gemm_tiles.h"
#include "test_random.h"

using namespace chunkserve;
using check::Rng;

namespace {

// Weights rounded to their dtype, kept as float for the reference; the bytes for the GEMM.
struct Weights {
  std::vector<float> values;  // [N][K] as the dtype holds them
  std::vector<uint8_t> bytes;
  WeightMatrix matrix(DType dt, int64_t n, int64_t k) const { return WeightMatrix{bytes.data(), dt, n, k}; }
};

Weights random_weights(Rng& r, DType dt, int64_t n, int64_t k) {
  Weights w;
  w.values = check::random_floats(r, static_cast<size_t>(n * k), 1.f / std::sqrt(static_cast<float>(k)));
  w.bytes.resize(w.values.size() * dtype_size(dt));
  store_as(dt, w.values.data(), w.bytes.data(), w.values.size());
  load_as_float(dt, w.bytes.data(), w.values.data(), w.values.size());
  return w;
}

// err = max(err, d), where a NaN d (an output never written: outputs start as NaN) is infinitely bad.
void worse(double& err, double d) { err = std::isnan(d) ? INFINITY : std::max(err, d); }

double dot(const float* x, const float* w, int64_t k) {
  double s = 0;
  for (int64_t i = 0; i < k; ++i) s += static_cast<double>(x[i]) * w[i];
  return s;
}

// Every instruction set this CPU runs, each with both tile choices for larger T (wide_tiles).
std::vector<const GemmKernels*> kernel_sets() {
  std::vector<const GemmKernels*> isas{gemm_kernels_portable()};
  if (simd_level() >= SimdLevel::Avx2 && gemm_kernels_avx2() != nullptr) isas.push_back(gemm_kernels_avx2());
  if (simd_level() >= SimdLevel::Avx512 && gemm_kernels_avx512() != nullptr) isas.push_back(gemm_kernels_avx512());
  static std::vector<GemmKernels> wide;  // stable addresses: reserved up front
  wide.reserve(3);
  std::vector<const GemmKernels*> out;
  for (const GemmKernels* k : isas) {
    out.push_back(k);
    wide.push_back(choose_gemm_tiles(*k, "wide"));
    out.push_back(&wide.back());
  }
  return out;
}

}  // namespace

TEST_CASE("store, bias and residual epilogues match float64 on random shapes") {
  ThreadPool pool(2);
  uint64_t seed = 1;
  for (const GemmKernels* kern : kernel_sets())
    for (DType dt : {DType::F32, DType::F16, DType::BF16})
      for (int trial = 0; trial < 6; ++trial) {
        Rng r(++seed);
        // The last trial's X [T][K] exceeds half an L2, so gemm runs its K-block-outer loop order;
        // the others fit, and it runs panel group by panel group (gemm.cc).
        const bool big = trial == 5;
        const int64_t T = big ? 300 : r.pick(std::vector<int64_t>{1, 2, 3, 5, 7, 12, 13, 33, 100});
        const int64_t N = r.pick(std::vector<int64_t>{1, 15, 31, 32, 33, 70, 257});
        const int64_t K = big ? 1000 : r.pick(std::vector<int64_t>{1, 17, 255, 256, 257, 600});
        const Weights w = random_weights(r, dt, N, K);
        const PackedMatrix pm = pack_matrix(w.matrix(dt, N, K), kern->nr, pool);
        const auto x = check::random_floats(r, static_cast<size_t>(T * K));
        const auto bias = check::random_floats(r, static_cast<size_t>(N));
        const auto resid = check::random_floats(r, static_cast<size_t>(T * N));
        const int tasks_per_thread = r.pick(std::vector<int>{0, 1, 3, 8, 64});  // 0: gemm's choice
        for (GemmMode mode : {GemmMode::Store, GemmMode::Accumulate}) {
          const bool with_bias = mode == GemmMode::Store && trial % 2 == 0;
          std::vector<float> y = mode == GemmMode::Accumulate ? resid : std::vector<float>(T * N, NAN);
          GemmJob job;
          job.w = &pm;
          job.mode = mode;
          job.y = y.data();
          job.ldy = N;
          job.bias = with_bias ? bias.data() : nullptr;
          gemm(x.data(), T, &job, 1, pool, *kern, tasks_per_thread);
          double err = 0, scale = 0;
          for (int64_t t = 0; t < T; ++t)
            for (int64_t n = 0; n < N; ++n) {
              double ref = dot(x.data() + t * K, w.values.data() + n * K, K);
              if (with_bias) ref += bias[n];
              if (mode == GemmMode::Accumulate) ref += resid[t * N + n];
              worse(err, std::fabs(y[t * N + n] - ref));
              scale = std::max(scale, std::fabs(ref));
            }
          CHECK(err <= 1e-5 * std::max(1.0, scale) * std::sqrt(static_cast<double>(K)));
        }
      }
}

TEST_CASE("the fused SwiGLU epilogue matches float64") {
  ThreadPool pool(2);
  uint64_t seed = 100;
  for (const GemmKernels* kern : kernel_sets())
    for (DType dt : {DType::F32, DType::BF16})
      for (int trial = 0; trial < 4; ++trial) {
        Rng r(++seed);
        const bool big = trial == 3;  // X [T][K] past half an L2: the K-block-outer loop order
        const int64_t T = big ? 300 : r.pick(std::vector<int64_t>{1, 2, 6, 9, 40});
        const int64_t F = r.pick(std::vector<int64_t>{7, 32, 47, 96});
        const int64_t K = big ? 520 : r.pick(std::vector<int64_t>{16, 300, 520});
        const Weights g = random_weights(r, dt, F, K), u = random_weights(r, dt, F, K);
        const PackedMatrix pm = pack_pairs(g.matrix(dt, F, K), u.matrix(dt, F, K), kern->nr, pool);
        const auto x = check::random_floats(r, static_cast<size_t>(T * K), 2.f);
        std::vector<float> h(T * F, NAN), scratch(T * gemm_swiglu_scratch_cols(pm));
        GemmJob job;
        job.w = &pm;
        job.mode = GemmMode::SwiGLU;
        job.y = h.data();
        job.ldy = F;
        job.scratch = scratch.data();
        gemm(x.data(), T, &job, 1, pool, *kern);
        double err = 0;
        for (int64_t t = 0; t < T; ++t)
          for (int64_t f = 0; f < F; ++f) {
            const double a = dot(x.data() + t * K, g.values.data() + f * K, K);
            const double b = dot(x.data() + t * K, u.values.data() + f * K, K);
            worse(err, std::fabs(h[t * F + f] - a / (1 + std::exp(-a)) * b));
          }
        CHECK(err < 1e-4);
      }
}

TEST_CASE("decode sizes on 1-5 threads: every panel group of several jobs computed once, with the next prefetched") {
  // Decode sizes take single panel groups from both ends of per-pair ranges (gemm.cc), and tiles
  // after a group's first prefetch the next group: any thread count, several jobs of unequal
  // sizes (as q, k, v), a SwiGLU job, and token counts of one to many tiles.
  uint64_t seed = 300;
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (const GemmKernels* kern : kernel_sets())
      for (int trial = 0; trial < 3; ++trial) {
        Rng r(++seed);
        const int64_t T = r.pick(std::vector<int64_t>{1, 2, 7, 13, 32, 40});
        const int64_t K = r.pick(std::vector<int64_t>{64, 300, 1024});
        const DType dt = r.pick(std::vector<DType>{DType::F32, DType::F16, DType::BF16});
        const int64_t rows[3] = {r.pick(std::vector<int64_t>{32, 200, 512}), r.pick(std::vector<int64_t>{1, 33, 128}),
                                 r.pick(std::vector<int64_t>{64, 96})};
        std::vector<Weights> w;
        std::vector<PackedMatrix> pm;
        for (int64_t n : rows) {
          w.push_back(random_weights(r, dt, n, K));
          pm.push_back(pack_matrix(w.back().matrix(dt, n, K), kern->nr, pool));
        }
        const Weights g = random_weights(r, dt, 96, K), u = random_weights(r, dt, 96, K);
        const PackedMatrix gu = pack_pairs(g.matrix(dt, 96, K), u.matrix(dt, 96, K), kern->nr, pool);
        const auto x = check::random_floats(r, static_cast<size_t>(T * K));
        std::vector<std::vector<float>> y;
        for (int64_t n : rows) y.emplace_back(T * n, NAN);
        GemmJob jobs[3];
        for (int j = 0; j < 3; ++j) jobs[j] = {&pm[j], GemmMode::Store, y[j].data(), rows[j], nullptr, nullptr};
        gemm(x.data(), T, jobs, 3, pool, *kern);
        std::vector<float> h(T * 96, NAN), scratch(T * gemm_swiglu_scratch_cols(gu));
        const GemmJob swiglu{&gu, GemmMode::SwiGLU, h.data(), 96, nullptr, scratch.data()};
        gemm(x.data(), T, &swiglu, 1, pool, *kern);
        double err = 0, scale = 0, swiglu_err = 0;
        for (int j = 0; j < 3; ++j)
          for (int64_t t = 0; t < T; ++t)
            for (int64_t n = 0; n < rows[j]; ++n) {
              const double ref = dot(x.data() + t * K, w[j].values.data() + n * K, K);
              worse(err, std::fabs(y[j][t * rows[j] + n] - ref));
              scale = std::max(scale, std::fabs(ref));
            }
        for (int64_t t = 0; t < T; ++t)
          for (int64_t f = 0; f < 96; ++f) {
            const double a = dot(x.data() + t * K, g.values.data() + f * K, K);
            const double b = dot(x.data() + t * K, u.values.data() + f * K, K);
            worse(swiglu_err, std::fabs(h[t * 96 + f] - a / (1 + std::exp(-a)) * b));
          }
        CHECK(err <= 1e-5 * std::max(1.0, scale) * std::sqrt(static_cast<double>(K)));
        CHECK(swiglu_err < 1e-4);
      }
  }
}

TEST_CASE("several jobs over one input run in one pass; a matrix packed for other kernels is refused") {
  ThreadPool pool(2);
  Rng r(7);
  const GemmKernels& k = gemm_kernels();
  const Weights a = random_weights(r, DType::F32, 40, 64), b = random_weights(r, DType::F32, 8, 64);
  const PackedMatrix pa = pack_matrix(a.matrix(DType::F32, 40, 64), k.nr, pool);
  const PackedMatrix pb = pack_matrix(b.matrix(DType::F32, 8, 64), k.nr, pool);
  const auto x = check::random_floats(r, 3 * 64);
  std::vector<float> ya(3 * 40), yb(3 * 8);
  const GemmJob jobs[2] = {{&pa, GemmMode::Store, ya.data(), 40, nullptr, nullptr},
                           {&pb, GemmMode::Store, yb.data(), 8, nullptr, nullptr}};
  gemm(x.data(), 3, jobs, 2, pool);
  CHECK_NEAR(ya[2 * 40 + 39], dot(x.data() + 2 * 64, a.values.data() + 39 * 64, 64), 1e-5);
  CHECK_NEAR(yb[1 * 8 + 7], dot(x.data() + 64, b.values.data() + 7 * 64, 64), 1e-5);
  const PackedMatrix other = pack_matrix(a.matrix(DType::F32, 40, 64), k.nr + 1, pool);
  const GemmJob bad{&other, GemmMode::Store, ya.data(), 40, nullptr, nullptr};
  CHECK_THROWS_AS(gemm(x.data(), 3, &bad, 1, pool), std::invalid_argument);
}

TEST_CASE("the tile choice: forced by CHUNKSERVE_GEMM_TILES, else measured; a bad value is refused") {
  const GemmKernels& base = gemm_kernels_for(simd_level());
  CHECK(choose_gemm_tiles(base, "wide").wide_tiles);
  CHECK(!choose_gemm_tiles(base, "tall").wide_tiles);
  const GemmKernels measured = choose_gemm_tiles(base, "auto");  // either is right; it must only run
  CHECK_EQ(measured.max_rows, base.max_rows);
  CHECK(std::string(measured.tile_choice).find("measured") != std::string::npos);
  CHECK_THROWS_AS(choose_gemm_tiles(base, "fast"), std::invalid_argument);
}
