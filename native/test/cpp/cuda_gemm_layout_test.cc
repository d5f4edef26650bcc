// The CUDA GEMM kernels' tile loops (cuda/gemm_kernels.cuh) run on the host: cp.async, ldmatrix
// and mma.sync emulated by their PTX definitions, every address and fragment placed by the same
// functions the kernels call (cuda/gemm_layout.h), against a float64 GEMM on random shapes (M, N,
// K on and off every tile edge) and every epilogue. A wrong swizzle, lane address, fragment
// mapping, k permutation, edge guard or epilogue column fails here, on a machine with no GPU.
#include <cmath>
#include <vector>

#include "check.h"
#include "common/dtype.h"
#include "cuda/gemm_layout.h"
#include "test_random.h"

using namespace chunkserve;
using namespace chunkserve::gemm;
using check::Rng;

namespace {

struct Vec8 {
  float e[kVec] = {};
};
using Regs4 = float[32][4][2];  // [lane][register][half] of an ldmatrix.x4 / A fragment
using Regs2 = float[32][2][2];  // B fragment
using Acc = float[32][4];       // C fragment

// Operands rounded to the 16-bit type, kept as float (exact).
std::vector<float> rounded(Rng& r, DType t, size_t n, float scale) {
  std::vector<float> v = check::random_floats(r, n, scale);
  for (float& x : v) x = bits16_to_float(t, float_to_bits16(t, x));
  return v;
}

// A 16-byte load of 8 elements of row `row` at column k of a [rows][K] matrix; zeros outside.
Vec8 load8(const std::vector<float>& m, int rows, int K, int row, int k) {
  Vec8 v;
  if (row < rows && k < K)
    for (int e = 0; e < kVec; ++e) v.e[e] = m[static_cast<size_t>(row) * K + k + e];
  return v;
}

struct Emulator {
  bool conflict = false;  // some ldmatrix phase hit a bank group twice
  bool coverage = true;   // the fragment functions place every element exactly once

  // ldmatrix.x4 by its PTX definition; addr[lane]: the slot (16-byte vector) lane points at.
  void ldmatrix_x4(const std::vector<Vec8>& smem, const int addr[32], Regs4& out) {
    for (int j = 0; j < 4; ++j) {
      bool seen[8] = {};
      for (int i = 0; i < 8; ++i) {  // one phase: the 8 rows of matrix j
        const int bank_group = addr[8 * j + i] % 8;  // 16-byte slot within a 128-byte bank line
        if (seen[bank_group]) conflict = true;
        seen[bank_group] = true;
      }
      for (int lane = 0; lane < 32; ++lane)
        for (int h = 0; h < 2; ++h) out[lane][j][h] = smem[addr[ldm_src_lane(lane, j)]].e[ldm_elem(lane, h)];
    }
  }

  // c += A B for one m16n8k16 with fragments placed by the layout functions; fp32 accumulation
  // of a float64 dot product (the hardware's order of additions is not specified).
  void mma(Acc& c, const Regs4& a, const Regs2& b) {
    double A[16][16], B[16][8];
    int na[16][16] = {}, nb[16][8] = {};
    for (int lane = 0; lane < 32; ++lane)
      for (int h = 0; h < 2; ++h) {
        for (int r = 0; r < 4; ++r) {
          const int row = a_frag_row(lane, r), col = a_frag_col(lane, r, h);
          A[row][col] = a[lane][r][h];
          ++na[row][col];
        }
        for (int r = 0; r < 2; ++r) {
          const int k = b_frag_k(lane, r, h), n = b_frag_n(lane);
          B[k][n] = b[lane][r][h];
          ++nb[k][n];
        }
      }
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 16; ++j) coverage = coverage && na[i][j] == 1 && (j >= 8 || nb[i][j] == 1);
    int nc[16][8] = {};
    for (int lane = 0; lane < 32; ++lane)
      for (int e = 0; e < 4; ++e) {
        const int row = c_frag_row(lane, e), col = c_frag_col(lane, e);
        ++nc[row][col];
        double s = 0;
        for (int k = 0; k < 16; ++k) s += A[row][k] * B[k][col];
        c[lane][e] += static_cast<float>(s);
      }
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) coverage = coverage && nc[i][j] == 1;
  }
};

// One epilogue element of either kernel: e even/odd pairs are (gate, up) for SwiGLU.
void emit(const GemmOut& o, int row, int n, float v, float next) {
  if (o.mode == Epilogue::SwiGLU) {
    if ((n & 1) == 0) write_swiglu(o, row, n, v, next);
  } else {
    write_out(o, row, n, v);
  }
}

// The tiled kernel's loop nest, block by block, warp by warp.
void tiled_gemm(Emulator& emu, const std::vector<float>& x, const std::vector<float>& w, int M, int N, int K,
                const GemmOut& o) {
  for (int bm = 0; bm * kBM < M; ++bm)
    for (int bn = 0; bn * kBN < N; ++bn) {
      static Acc acc[kThreads / 32][kFragsM][kFragsN];
      for (auto& wa : acc)
        for (auto& ma : wa)
          for (auto& na : ma)
            for (auto& l : na) l[0] = l[1] = l[2] = l[3] = 0.f;
      for (int k0 = 0; k0 < K; k0 += kBK) {
        std::vector<Vec8> sa(kTileVecsA), sb(kTileVecsB);
        for (int tid = 0; tid < kThreads; ++tid) {
          for (int idx = tid; idx < kTileVecsA; idx += kThreads)
            sa[swizzle(copy_row(idx), copy_vec(idx))] = load8(x, M, K, bm * kBM + copy_row(idx), k0 + copy_vec(idx) * kVec);
          for (int idx = tid; idx < kTileVecsB; idx += kThreads)
            sb[swizzle(copy_row(idx), copy_vec(idx))] = load8(w, N, K, bn * kBN + copy_row(idx), k0 + copy_vec(idx) * kVec);
        }
        for (int warp = 0; warp < kThreads / 32; ++warp)
          for (int ks = 0; ks < kBK / 16; ++ks) {
            Regs4 af[kFragsM];
            Regs2 bf[kFragsN];
            int addr[32];
            for (int mi = 0; mi < kFragsM; ++mi) {
              for (int lane = 0; lane < 32; ++lane)
                addr[lane] = swizzle(warp_row0(warp) + mi * 16 + a_ld_row(lane), a_ld_vec(lane, ks));
              emu.ldmatrix_x4(sa, addr, af[mi]);
            }
            for (int nj = 0; nj < kFragsN / 2; ++nj) {
              Regs4 r;
              for (int lane = 0; lane < 32; ++lane)
                addr[lane] = swizzle(warp_col0(warp) + nj * 16 + b_ld_row(lane), b_ld_vec(lane, ks));
              emu.ldmatrix_x4(sb, addr, r);
              for (int lane = 0; lane < 32; ++lane)
                for (int h = 0; h < 2; ++h) {
                  bf[2 * nj][lane][0][h] = r[lane][0][h];
                  bf[2 * nj][lane][1][h] = r[lane][1][h];
                  bf[2 * nj + 1][lane][0][h] = r[lane][2][h];
                  bf[2 * nj + 1][lane][1][h] = r[lane][3][h];
                }
            }
            for (int mi = 0; mi < kFragsM; ++mi)
              for (int ni = 0; ni < kFragsN; ++ni) emu.mma(acc[warp][mi][ni], af[mi], bf[ni]);
          }
      }
      for (int warp = 0; warp < kThreads / 32; ++warp)
        for (int mi = 0; mi < kFragsM; ++mi)
          for (int ni = 0; ni < kFragsN; ++ni)
            for (int lane = 0; lane < 32; ++lane)
              for (int e = 0; e < 4; ++e) {
                const int row = bm * kBM + warp_row0(warp) + mi * 16 + c_frag_row(lane, e);
                const int n = bn * kBN + warp_col0(warp) + ni * 8 + c_frag_col(lane, e);
                if (row < M && n < N) emit(o, row, n, acc[warp][mi][ni][lane][e], acc[warp][mi][ni][lane][e | 1]);
              }
    }
}

// The skinny kernel's loop nest: blocks of kSkinnyRows weight rows, warps splitting K, the
// partial tiles added in "shared memory" (red), then the epilogue.
void skinny_gemm(Emulator& emu, const std::vector<float>& x, const std::vector<float>& w, int M, int N, int K,
                 const GemmOut& o) {
  const int n_tiles = (M + 7) / 8;
  for (int n0 = 0; n0 < N; n0 += kSkinnyRows) {
    std::vector<float> red(static_cast<size_t>(kSkinnyWarps) * kSkinnyRows * kSkinnyMaxRows, 0.f);
    for (int warp = 0; warp < kSkinnyWarps; ++warp) {
      static Acc acc[kSkinnyMaxRows / 8];
      for (auto& a : acc)
        for (auto& l : a) l[0] = l[1] = l[2] = l[3] = 0.f;
      for (int kb = warp; kb * kSkinnyKBlock < K; kb += kSkinnyWarps) {
        Vec8 wv[32][2], xv[32][kSkinnyMaxRows / 8];
        for (int lane = 0; lane < 32; ++lane) {
          const int g = lane >> 2, k = skinny_k(lane, kb);
          wv[lane][0] = load8(w, N, K, n0 + g, k);
          wv[lane][1] = load8(w, N, K, n0 + g + 8, k);
          for (int nt = 0; nt < n_tiles; ++nt) xv[lane][nt] = load8(x, M, K, nt * 8 + g, k);
        }
        for (int s = 0; s < 2; ++s) {
          Regs4 a;
          for (int lane = 0; lane < 32; ++lane)
            for (int r = 0; r < 4; ++r)
              for (int h = 0; h < 2; ++h) a[lane][r][h] = wv[lane][r & 1].e[skinny_a_elem(s, r, h)];
          for (int nt = 0; nt < n_tiles; ++nt) {
            Regs2 b;
            for (int lane = 0; lane < 32; ++lane)
              for (int r = 0; r < 2; ++r)
                for (int h = 0; h < 2; ++h) b[lane][r][h] = xv[lane][nt].e[skinny_b_elem(s, r, h)];
            emu.mma(acc[nt], a, b);
          }
        }
      }
      for (int nt = 0; nt < n_tiles; ++nt)
        for (int lane = 0; lane < 32; ++lane)
          for (int e = 0; e < 4; ++e)
            red[(static_cast<size_t>(warp) * kSkinnyRows + c_frag_row(lane, e)) * kSkinnyMaxRows + nt * 8 +
                c_frag_col(lane, e)] = acc[nt][lane][e];
    }
    auto sum = [&](int row, int tok) {
      float s = 0.f;
      for (int wp = 0; wp < kSkinnyWarps; ++wp) s += red[(static_cast<size_t>(wp) * kSkinnyRows + row) * kSkinnyMaxRows + tok];
      return s;
    };
    for (int row = 0; row < kSkinnyRows; ++row)
      for (int tok = 0; tok < M; ++tok)
        if (n0 + row < N) emit(o, tok, n0 + row, sum(row, tok), row + 1 < kSkinnyRows ? sum(row + 1, tok) : 0.f);
  }
}

struct Case {
  int M, N, K;
  Epilogue mode;
  bool split;  // Store over three outputs (fused q|k|v) with a bias
};

// Runs one case through `run` and compares every output with float64. Returns max rel error.
template <class Run>
double check_case(Rng& r, DType t, const Case& c, Run run) {
  const std::vector<float> x = rounded(r, t, static_cast<size_t>(c.M) * c.K, 1.f);
  const std::vector<float> w = rounded(r, t, static_cast<size_t>(c.N) * c.K, 1.f / std::sqrt(static_cast<float>(c.K)));
  const std::vector<float> bias = check::random_floats(r, c.N);
  const int out_cols = c.mode == Epilogue::SwiGLU ? c.N / 2 : c.N;
  std::vector<double> ref(static_cast<size_t>(c.M) * out_cols);
  std::vector<float> y = check::random_floats(r, ref.size());  // Accumulate adds to it; others overwrite
  for (int m = 0; m < c.M; ++m)
    for (int n = 0; n < c.N; ++n) {
      double s = 0;
      for (int k = 0; k < c.K; ++k) s += static_cast<double>(x[static_cast<size_t>(m) * c.K + k]) * w[static_cast<size_t>(n) * c.K + k];
      if (c.mode == Epilogue::Accumulate) ref[static_cast<size_t>(m) * out_cols + n] = y[static_cast<size_t>(m) * out_cols + n] + s;
      else if (c.mode == Epilogue::Store) ref[static_cast<size_t>(m) * out_cols + n] = s + (c.split ? bias[n] : 0.0);
      else if (n % 2 == 1) {
        const double g = ref[static_cast<size_t>(m) * out_cols + n / 2];
        ref[static_cast<size_t>(m) * out_cols + n / 2] = g / (1 + std::exp(-g)) * s;
      } else {
        ref[static_cast<size_t>(m) * out_cols + n / 2] = s;  // the gate, until its up arrives
      }
    }
  // Outputs: one [M][N] buffer, or three column parts for the split Store.
  GemmOut o;
  o.mode = c.mode;
  std::vector<std::vector<float>> parts;
  if (c.split) {
    const int c0 = c.N / 2, c1 = c.N / 4;
    const int widths[3] = {c0, c1, c.N - c0 - c1};
    for (int p = 0; p < 3; ++p) {
      parts.emplace_back(static_cast<size_t>(c.M) * widths[p], NAN);  // poisoned: every element must be written
      o.cols[p] = widths[p];
    }
    o.bias = bias.data();
  } else {
    parts.push_back(c.mode == Epilogue::Accumulate ? y : std::vector<float>(y.size(), NAN));
    o.cols[0] = out_cols;
  }
  for (size_t p = 0; p < parts.size(); ++p) o.out[p] = parts[p].data();
  run(x, w, o);
  // Gather back into [M][out_cols].
  std::vector<float> got(ref.size());
  for (int m = 0; m < c.M; ++m)
    for (int n = 0; n < out_cols; ++n) {
      int part = 0, col = n;
      if (c.split) split_column(o, n, part, col);
      got[static_cast<size_t>(m) * out_cols + n] = parts[part][static_cast<size_t>(m) * o.cols[part] + col];
    }
  for (float v : got)
    if (!std::isfinite(v)) return INFINITY;
  return check::rel_err(got, ref);
}

Case random_case(Rng& r, int max_m) {
  Case c;
  c.M = 1 + r.below(max_m);
  c.K = 8 * (1 + r.below(40));  // 8 .. 320: on and off kBK / kSkinnyKBlock edges
  c.N = 2 * (1 + r.below(150));  // even (SwiGLU), on and off 16 / kBN edges
  const int kind = r.below(4);
  c.mode = kind == 0 ? Epilogue::Accumulate : kind == 1 ? Epilogue::SwiGLU : Epilogue::Store;
  c.split = kind == 3 && c.N >= 8;
  return c;
}

}  // namespace

TEST_CASE("the tiled mma kernel's tile loop matches float64 on random shapes and epilogues") {
  Rng r(11);
  for (DType t : {DType::BF16, DType::F16})
    for (int i = 0; i < 24; ++i) {
      Case c = random_case(r, 150);
      if (i == 0) c = {kBM, kBN, kBK, Epilogue::Store, false};  // exactly one tile
      if (i == 1) c = {kBM + 1, kBN + 2, kBK + 8, Epilogue::Accumulate, false};
      Emulator emu;
      const double err = check_case(r, t, c, [&](const std::vector<float>& x, const std::vector<float>& w, const GemmOut& o) {
        tiled_gemm(emu, x, w, c.M, c.N, c.K, o);
      });
      CHECK(err < 1e-5);
      CHECK(emu.coverage);
      CHECK(!emu.conflict);
      if (!(err < 1e-5)) std::printf("  tiled M %d N %d K %d mode %d split %d: rel %.3g\n", c.M, c.N, c.K, int(c.mode), c.split, err);
    }
}

TEST_CASE("the skinny mma kernel's permuted-k loop matches float64 for decode batches of 1 to 32") {
  Rng r(12);
  for (DType t : {DType::BF16, DType::F16})
    for (int i = 0; i < 30; ++i) {
      Case c = random_case(r, kSkinnyMaxRows);
      if (i == 0) c.M = 1;
      if (i == 1) c.M = kSkinnyMaxRows;
      Emulator emu;
      const double err = check_case(r, t, c, [&](const std::vector<float>& x, const std::vector<float>& w, const GemmOut& o) {
        skinny_gemm(emu, x, w, c.M, c.N, c.K, o);
      });
      CHECK(err < 1e-5);
      CHECK(emu.coverage);
      if (!(err < 1e-5)) std::printf("  skinny M %d N %d K %d mode %d split %d: rel %.3g\n", c.M, c.N, c.K, int(c.mode), c.split, err);
    }
}

TEST_CASE("the shared-tile swizzle is a bijection and the copy split covers every vector once") {
  for (int rows : {kBM, kBN}) {
    std::vector<int> hits(static_cast<size_t>(rows) * kVecsPerRow, 0);
    for (int tid = 0; tid < kThreads; ++tid)
      for (int idx = tid; idx < rows * kVecsPerRow; idx += kThreads) {
        const int s = swizzle(copy_row(idx), copy_vec(idx));
        REQUIRE(s >= 0 && s < rows * kVecsPerRow);
        ++hits[s];
      }
    for (int h : hits) CHECK_EQ(h, 1);
  }
}

TEST_CASE("the skinny kernel's register pairs are whole 32-bit words of its 16-byte loads") {
  // The kernel moves pair (elem(.., 0), elem(.., 1)) as one packed register: word elem / 2.
  for (int s = 0; s < 2; ++s) {
    for (int r = 0; r < 4; ++r) {
      CHECK_EQ(skinny_a_elem(s, r, 0) % 2, 0);
      CHECK_EQ(skinny_a_elem(s, r, 1), skinny_a_elem(s, r, 0) + 1);
    }
    for (int r = 0; r < 2; ++r) {
      CHECK_EQ(skinny_b_elem(s, r, 0) % 2, 0);
      CHECK_EQ(skinny_b_elem(s, r, 1), skinny_b_elem(s, r, 0) + 1);
    }
  }
}
