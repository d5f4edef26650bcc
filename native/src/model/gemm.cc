#include "model/gemm.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/two_ended_range.h"

namespace chunkserve {

namespace {

// Why 256: an MR x 256 block of X (12 KB at MR = 12) sits in L1 next to a 256 x 32 weight panel
// block (16-32 KB), and the whole X block [T][256] (512 KB at T = 512) in L2.
constexpr int64_t kKc = 256;

// Tile shape for a job: panels per tile (P) and tokens per tile (MR).
struct Shape {
  int p, mr;
};

Shape tile_shape(const GemmKernels& k, GemmMode mode, int64_t T) {
  if (mode == GemmMode::SwiGLU) return {2, k.max_rows_p2};
  if (k.max_rows_p4 > 0 && T <= k.max_rows_p4) return {4, k.max_rows_p4};
  if (T <= k.max_rows_p2 || k.wide_tiles) return {2, k.max_rows_p2};
  return {1, k.max_rows};
}

// Why 512 KiB: half of the smallest per-core L2 we have seen (1 MiB), so the whole X [T][K] stays
// there beside the weights streaming past.
constexpr int64_t kWholeXBytes = 512 * 1024;
bool whole_x(int64_t T, int64_t K) { return T * K * static_cast<int64_t>(sizeof(float)) <= kWholeXBytes; }

// Bytes of the panel group a thread computes next, for its current group's tiles to prefetch.
struct NextBytes {
  const uint8_t* begin = nullptr;
  int64_t bytes = 0;
};

// One (K block, panel group) step of a thread: every token tile of the group over K columns
// [k0, k0 + kc).
void run_group(const float* x, int64_t T, const GemmJob& job, Shape s, int64_t p, int n_p, int64_t k0, int64_t kc,
               const GemmKernels& k, NextBytes next = {}) {
  const PackedMatrix& w = *job.w;
  const int64_t K = w.cols(), nr = w.nr();
  const size_t es = dtype_size(w.dtype());
  const bool swiglu = job.mode == GemmMode::SwiGLU;
  const int64_t ldc = swiglu ? gemm_swiglu_scratch_cols(w) : job.ldy;
  const bool first = k0 == 0, last = k0 + kc == K;
  // Decode sizes prefetch the panels' rows kPrefetchAheadK ahead into L1 (gemm_kernels.h) from
  // tiles of 2 or more tokens. The peer model's linear layers (chunkserve_linear_ab, in-process
  // A/B with a temporary switch): T = 32 +6-10% (20, 21, 15 of 21 rounds), T = 8 +5% (17/21),
  // T = 4 +2% (15/21), T = 16 and 64 within noise (4, 11, 17/21; 9/21); whole decode steps of the
  // peer model faster in 12 of 16 interleaved pairs (7 of 8 with a switch, medians 35.8 -> 34.7
  // ms; 5 of 8 between two builds, medians 35.0 and 35.5 ms).
  // Not for single-token tiles (T = 1: 4% slower, 2/21: the prefetches crowd a pure weight
  // stream) nor prefill pieces (T = 512: 1% slower, 3/11; their K blocks already sit in L1/L2).
  const bool prefetch = whole_x(T, K);
  const uint8_t* panels[4];
  for (int i = 0; i < n_p; ++i) panels[i] = w.panel(p + i) + static_cast<size_t>(k0) * nr * es;
  GemmTile t;
  t.ldx = K;
  t.panels = panels;
  t.kc = kc;
  t.ldc = ldc;
  t.load_c = !first || job.mode == GemmMode::Accumulate;
  if (swiglu) {
    // Pair q = p / 2: features [q * nr, q * nr + nr) of the gate (panel p) and up (p + 1).
    const int64_t q = p / 2;
    t.c = job.scratch + p * nr;
    t.cols = static_cast<int>(2 * nr);
    t.end = last ? TileEnd::SwiGLU : TileEnd::Partial;
    t.h = job.y + q * nr;
    t.ldh = job.ldy;
    t.h_cols = static_cast<int>(std::min<int64_t>(nr, w.rows() - q * nr));
  } else {
    t.c = job.y + p * nr;
    t.cols = static_cast<int>(std::min<int64_t>(static_cast<int64_t>(n_p) * nr, w.rows() - p * nr));
    t.end = last ? TileEnd::Store : TileEnd::Partial;
    t.bias = job.bias != nullptr ? job.bias + p * nr : nullptr;
  }
  // The next group's bytes in equal slices, one to each tile after the first (which brings this
  // group's own panels from memory, so it has no time to spare), spread over its K steps.
  const int64_t n_tiles = (T + s.mr - 1) / s.mr;
  const int64_t slice = n_tiles > 1 ? (next.bytes + (n_tiles - 1) * 64 - 1) / ((n_tiles - 1) * 64) * 64 : 0;
  for (int64_t m = 0, tile = 0; m < T; m += s.mr, ++tile) {
    const int mr = static_cast<int>(std::min<int64_t>(s.mr, T - m));
    const MicroKernel fn = k.get(w.dtype(), n_p, mr);
    if (fn == nullptr) throw std::logic_error("gemm: no micro-kernel for this tile");
    GemmTile tm = t;
    tm.x = x + m * K + k0;
    tm.c = t.c + m * ldc;
    if (swiglu) tm.h = t.h + m * job.ldy;
    tm.prefetch = prefetch && mr >= 2;
    if (tm.prefetch && tile > 0 && next.begin != nullptr) {
      const int64_t lo = std::min(next.bytes, (tile - 1) * slice), hi = std::min(next.bytes, tile * slice);
      tm.next = next.begin + lo;
      tm.next_end = next.begin + hi;
      tm.next_lines_per_k = static_cast<int>(((hi - lo) / 64 + kc - 1) / kc);
    }
    fn(tm);
  }
}

// Decode sizes (X [T][K] fits half the L2): the panel groups of every job in one list, in
// memory order, each group's tiles over the whole K at once, so each panel's weights are read as
// one sequential run (the first tile brings it from memory, the later ones re-read it from L2)
// and no partial sums are stored between K blocks. Group by group rather than K block by K
// block: decode steps of the peer model at T = 32 faster in 13 of 16 interleaved pairs
// (native/bench/peers/decode-profile.js); the whole K rather than blocks of kKc: faster in 14 of
// 16 pairs, the linear layers alone +1-16% at T = 8-32 (docs/benchmarks.md).
//
// The first tile of a group waits on memory while the FMA units idle, and the later ones compute
// while memory idles: measured on the peer model's linear layers at T = 32, a call took the sum
// of the two (weights at the read probe's bandwidth plus FLOPs at the FMA probe's rate). So the
// later tiles prefetch the group their thread takes next into L2, and a thread's next group must
// be known: the list is split into ranges that two threads consume from opposite ends
// (common/two_ended_range.h), each thread's next group the neighbour of its current one, the
// pair finishing together however unevenly they run. A thread whose range is done helps the
// others from their fronts (odd thread counts). In-process A/B on the peer model's linear layers
// (2 threads, AVX-512, 15 rounds) against 8 dynamic tasks per thread without the prefetch: T = 32
// +12-15% (15/15 twice), T = 24 +30% (15/15), T = 16 +20% (15/15), T = 64 +10% (14/15), T = 8
// +7% (9/15), T = 1-4 tied (8, 7, 9/15); AVX2 kernels T = 32 +10% (10/11), T = 8 tied (4/11).
// Prefetching the next group without the ranges (8 tasks per thread) gave T = 32 only +4-12%:
// most tasks held one or two groups, so most first tiles still waited.
void run_whole_x(const float* x, int64_t T, const GemmJob* jobs, int n_jobs, ThreadPool& pool, const GemmKernels& k) {
  struct Group {
    int job;
    int64_t p;
    int n_p;
    Shape shape;
  };
  std::vector<Group> groups;
  for (int j = 0; j < n_jobs; ++j) {
    const Shape s = tile_shape(k, jobs[j].mode, T);
    const int64_t n = jobs[j].w->n_panels();
    for (int64_t p = 0; p < n;) {  // the last group may take fewer panels (4 -> 2 -> 1: tiles exist for those)
      int n_p = s.p;
      while (n_p > n - p) n_p /= 2;
      groups.push_back({j, p, n_p, s});
      p += n_p;
    }
  }
  for_each_two_ended(pool, static_cast<int64_t>(groups.size()), [&](int64_t g, int64_t after) {
    NextBytes next;
    if (after >= 0) {
      const Group& a = groups[after];
      next = {jobs[a.job].w->panel(a.p), static_cast<int64_t>(a.n_p * jobs[a.job].w->panel_bytes())};
    }
    const Group& gr = groups[g];
    run_group(x, T, jobs[gr.job], gr.shape, gr.p, gr.n_p, 0, jobs[gr.job].w->cols(), k, next);
  });
}

// Prefill pieces (X [T][K] past half the L2): K block by K block, so X [T][kKc] stays in L2 while
// the panels stream; each group's K blocks run in order (the tiles accumulate across them). Tasks
// of whole groups, tasks_per_thread of them per thread, handed out dynamically.
void run_blocked(const float* x, int64_t T, const GemmJob* jobs, int n_jobs, ThreadPool& pool, const GemmKernels& k,
                 int tasks_per_thread) {
  struct Task {
    int job;
    int64_t p0, p1;
    Shape shape;
  };
  std::vector<Task> tasks;
  int64_t total_panels = 0;
  for (int j = 0; j < n_jobs; ++j) total_panels += jobs[j].w->n_panels();
  if (tasks_per_thread <= 0) tasks_per_thread = kGemmTasksPerThread;
  const int64_t target = std::max<int64_t>(1, total_panels / (tasks_per_thread * static_cast<int64_t>(pool.size())));
  for (int j = 0; j < n_jobs; ++j) {
    const Shape s = tile_shape(k, jobs[j].mode, T);
    const int64_t n = jobs[j].w->n_panels();
    const int64_t per = std::max<int64_t>(s.p, (target + s.p - 1) / s.p * s.p);
    for (int64_t p = 0; p < n; p += per) tasks.push_back({j, p, std::min(n, p + per), s});
  }
  const int64_t K = jobs[0].w->cols();
  pool.parallel_for(static_cast<int64_t>(tasks.size()), [&](int64_t i, int) {
    const Task& t = tasks[i];
    for (int64_t k0 = 0; k0 < K; k0 += kKc) {
      const int64_t kc = std::min(kKc, K - k0);
      for (int64_t p = t.p0; p < t.p1;) {  // groups of P panels; the last may take fewer
        int n_p = t.shape.p;
        while (n_p > t.p1 - p) n_p /= 2;
        run_group(x, T, jobs[t.job], t.shape, p, n_p, k0, kc, k);
        p += n_p;
      }
    }
  });
}

}  // namespace

void gemm(const float* x, int64_t T, const GemmJob* jobs, int n_jobs, ThreadPool& pool, const GemmKernels& k,
          int tasks_per_thread) {
  if (T <= 0 || n_jobs <= 0) return;
  for (int j = 0; j < n_jobs; ++j) {
    const PackedMatrix& w = *jobs[j].w;
    if (w.nr() != k.nr)
      throw std::invalid_argument("gemm: matrix packed in panels of " + std::to_string(w.nr()) + ", the kernels use " +
                                  std::to_string(k.nr));
    if (w.cols() != jobs[0].w->cols()) throw std::invalid_argument("gemm: jobs differ in their input width");
    if (jobs[j].mode == GemmMode::SwiGLU && (jobs[j].scratch == nullptr || w.n_panels() % 2 != 0))
      throw std::invalid_argument("gemm: SwiGLU needs a pair-packed matrix and a scratch buffer");
  }
  if (whole_x(T, jobs[0].w->cols())) run_whole_x(x, T, jobs, n_jobs, pool, k);
  else run_blocked(x, T, jobs, n_jobs, pool, k, tasks_per_thread);
}

}  // namespace chunkserve
