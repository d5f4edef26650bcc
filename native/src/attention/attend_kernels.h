// The two inner kernels every attention path is built from, per instruction set, head_dim and
// storage dtype. Both do one online-softmax update of a running state (O unnormalised, row max m,
// row sum l) with the keys/values of one chunk plane; queries arrive pre-scaled by 1/sqrt(d).
//
//  - dv ("dim-vectorised"): a few query rows (the G heads of one GQA group of one sequence),
//    vectors run along head_dim. Used sequence-first (phase 2, baseline), memory-bound.
//  - rv ("row-vectorised"): many query rows at once (every covered sequence x G), vectors run
//    along the rows, so QK^T and PV are small register-blocked GEMMs; the chunk's K/V are read
//    once for all rows. Used chunk-first (phase 1) and in prefill (with a causal limit per row).
#pragma once
#include <cstdint>
#include <vector>

#include "common/cpu_features.h"
#include "common/dtype.h"

namespace chunkserve {

// Per-thread scratch of the rv kernel; grown on demand.
struct RvScratch {
  std::vector<float> kf, vf;  // [n_tok][head_dim] fp32 copies of K, V (when stored as fp16/bf16)
  std::vector<float> s;       // [n_tok][rows_padded] scores, then probabilities
  std::vector<float> mx;      // [rows_padded] running max of the rows (fused into the QK tiles)
  std::vector<float> alpha;   // [rows_padded] the old output's rescale (fused into the PV tiles)
};

struct AttendKernels {
  int head_dim;
  int lanes;  // rows must be padded to a multiple of this for rv
  // q: [G][head_dim]; k, v: plane rows [n_tok][head_dim] in the storage dtype;
  // o: [G][head_dim], m, l: [G] running state; s: scratch of G * round_up(n_tok, lanes) floats.
  // next_k, next_v: planes of the chunk the caller processes next (or nullptr), prefetched into
  // L2 during this one (this path is bound by memory: K/V are read once per sequence).
  void (*dv)(const float* q, int G, const void* k, const void* v, int n_tok, float* o, float* m, float* l, float* s,
             const void* next_k, const void* next_v);
  // qt: [head_dim][rows] (rows a multiple of lanes); k, v as above; limit: [rows] number of
  // leading tokens of this chunk each row may see (nullptr = all n_tok); ot: [head_dim][rows],
  // m, l: [rows] running state. next_k, next_v: planes of the chunk the caller processes next
  // (or nullptr), prefetched into L2 during this chunk's GEMMs so that memory overlaps compute.
  void (*rv)(const float* qt, int rows, const void* k, const void* v, int n_tok, const float* limit,
             float* ot, float* m, float* l, RvScratch& scratch, const void* next_k, const void* next_v);
};

// Kernels for this CPU's SIMD level (see cpu_features.h); nullptr for an unsupported head_dim.
const AttendKernels* attend_kernels(int head_dim, DType dtype);
const AttendKernels* attend_kernels_for(SimdLevel level, int head_dim, DType dtype);
bool head_dim_supported(int head_dim);

// Per instruction set (attend_kernels_<isa>.cc).
const AttendKernels* attend_kernels_portable(int head_dim, DType dtype);
const AttendKernels* attend_kernels_avx2(int head_dim, DType dtype);
const AttendKernels* attend_kernels_avx512(int head_dim, DType dtype);

}  // namespace chunkserve
