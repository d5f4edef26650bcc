// Kernel benchmark of the CUDA decode attention (the paper's Table 3 setting and variations):
// every sequence of the batch shares `shared` prompt tokens and owns `own` more.
//  - tpp: the shared chunks stored once (a prefix tree), TPP decode (phase 1 + phase 2).
//  - baseline: every sequence has its own copy of every chunk (no prefix sharing in memory, as
//    PagedAttention without prefix caching), sequence-first decode only.
// Both pools are filled with the same random values per logical chunk, so the two outputs must
// agree: max_abs_diff reports it (a check, not a timing).
// Timing: device events around `iters` back-to-back calls, median over `reps` rounds. Each call
// reads another layer of a pool with enough layers that consecutive calls do not find their K/V
// in L2 (layers chosen so one rotation reads >= 4 x L2).
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstdint>
#include <string>

#include "common/dtype.h"

namespace chunkserve {

struct CudaBenchSpec {
  int batch = 32;
  int shared = 1024;   // tokens, multiple of chunk_size
  int own = 32;        // tokens per sequence after the shared prompt
  int n_heads = 32;
  int n_kv_heads = 32;
  int head_dim = 128;
  int chunk_size = 64;
  DType dtype = DType::F16;
  int reps = 15;
  int iters = 20;
  bool baseline = true;  // also time the baseline
};

struct CudaBenchResult {
  std::string gpu;
  double copy_bytes_per_s = 0;   // device-to-device copy, bytes read + written per second
  double tpp_us = 0, baseline_us = 0;
  bool pdl = false;              // tpp_us used programmatic dependent launch (Hopper)
  double tpp_serial_us = 0;      // TPP with plain serialised launches (= tpp_us when !pdl)
  double tpp_spread_us = 0, baseline_spread_us = 0;  // max - min of the rounds' per-call times
  uint64_t tpp_bytes = 0;       // K/V bytes TPP must read (shared once) + q + out
  uint64_t baseline_bytes = 0;  // K/V bytes every sequence reads itself + q + out
  int tpp_layers = 0, baseline_layers = 0;
  int chunk_first_pieces = 0, chunks_per_piece = 0;
  double max_abs_diff = 0;       // |tpp - baseline| over every output (same data)
};

CudaBenchResult run_cuda_kernel_bench(const CudaBenchSpec& spec);

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
