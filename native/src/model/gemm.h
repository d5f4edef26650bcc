// The linear layers' GEMM: Y[T][N] = X[T][K] W^T over weights packed into panels at load
// (model/packed_matrix.h), for every token count: a prefill piece (T = 512) or a decode step
// (T = the batch, often 1-32).
//
// Blocking (per thread, the threads splitting the output panels, so every weight byte is read
// by one thread once per call):
//   for each K block of kKc columns          X[T][kKc] stays in L2, one panel's [kKc][nr] in L1
//     for each group of P panels of this thread
//       for each tile of MR tokens            one micro-kernel (gemm_kernels.h): MR x P*nr in registers
// When the whole X [T][K] fits half the L2 (decode steps) there are no K blocks: group by group,
// each tile over the whole K, so each panel's weights are read as one sequential run, and the
// later tiles of a group prefetch the thread's next group into L2 (gemm.cc).
// Small T (decode) takes tiles of 2-6 tokens x 2-4 panels, so the weights stream past once with
// enough independent accumulators; large T tiles of 12 x 1 panel (AVX-512) for the FMA rate.
//
// Epilogues, fused into the last K block's store: bias (Store), the residual add (Accumulate:
// y += X W^T, the accumulators start from y), and SwiGLU (the pair-packed gate/up matrix:
// y = silu(X Wg^T) * (X Wu^T), partial sums in a scratch between K blocks).
#pragma once
#include <cstddef>
#include <cstdint>

#include "common/thread_pool.h"
#include "model/gemm_kernels.h"
#include "model/packed_matrix.h"

namespace chunkserve {

enum class GemmMode { Store, Accumulate, SwiGLU };

struct GemmJob {
  const PackedMatrix* w = nullptr;
  GemmMode mode = GemmMode::Store;
  float* y = nullptr;          // [T][ldy]: w->rows() columns written (SwiGLU: of each matrix of the pair)
  int64_t ldy = 0;
  const float* bias = nullptr; // Store: [w->rows()] or null
  float* scratch = nullptr;    // SwiGLU: [T][gemm_swiglu_scratch_cols(*w)] partial sums
};

// Columns of the SwiGLU scratch a job needs (per token).
inline int64_t gemm_swiglu_scratch_cols(const PackedMatrix& w) { return w.n_panels() * w.nr(); }

// Prefill pieces (X [T][K] past half the L2): tasks per pool thread a call is split into (whole
// P-groups of panels each, handed out dynamically). More even out the threads' finishing times;
// fewer re-read fewer X blocks. In-process A/B on the peer model's linear layers
// (chunkserve_linear_ab tasks): T = 512 2% slower with 8 than with 4 (3/9). Decode sizes are
// not split into tasks: pairs of threads take single panel groups from the two ends of a range
// (gemm.cc).
constexpr int kGemmTasksPerThread = 4;

// Runs the jobs (same X, all of them in one parallel pass: one barrier) on the pool.
// x: [T][K] with K = every job's w->cols(). tasks_per_thread <= 0: kGemmTasksPerThread (prefill
// pieces only). Throws std::invalid_argument on a shape mismatch or a matrix packed with another
// panel width than these kernels use.
void gemm(const float* x, int64_t T, const GemmJob* jobs, int n_jobs, ThreadPool& pool,
          const GemmKernels& kernels = gemm_kernels(), int tasks_per_thread = 0);

}  // namespace chunkserve
