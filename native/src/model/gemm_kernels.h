// The GEMM's register-tiled micro-kernels (model/gemm.h), one set per instruction set, chosen at
// run time like the attention kernels. A micro-kernel computes one tile
//   C[MR][P * nr] (+)= X[MR][kc] * W[kc][P * nr]
// holding all MR x P x 2 vectors of the tile in registers for the whole kc loop: per k it loads
// P x 2 weight vectors (widening fp16/bf16 in registers), broadcasts MR activations and issues
// MR x P x 2 FMAs. P panels side by side give a small-MR tile (decode: 1-4 tokens) enough
// independent accumulators to hide the FMA latency while it streams the weights once.
#pragma once
#include <cstdint>

#include "common/cpu_features.h"
#include "common/dtype.h"

namespace chunkserve {

// What a tile does with its accumulators when its K loop ends.
enum class TileEnd : int {
  Partial = 0,  // store C (a later K block continues from it)
  Store = 1,    // store C (+ bias): the result
  SwiGLU = 2,   // P == 2 (gate panel, up panel): h = silu(gate) * up, stored to h
};

struct GemmTile {
  const float* x = nullptr;            // [MR][ldx] activations, at column k0
  int64_t ldx = 0;
  const uint8_t* const* panels = nullptr;  // [P] panel pointers, each at row k0 of [K][nr]
  int64_t kc = 0;                      // K steps of this block
  float* c = nullptr;                  // [MR][ldc] the tile's P * nr columns (partial sums / result)
  int64_t ldc = 0;
  int cols = 0;                        // valid columns of the tile (fewer on the last panels)
  bool load_c = false;                 // start from C (a later K block, or the residual) instead of 0
  TileEnd end = TileEnd::Partial;
  const float* bias = nullptr;         // Store: [cols] or null
  float* h = nullptr;                  // SwiGLU: [MR][ldh], h_cols <= nr columns
  int64_t ldh = 0;
  int h_cols = 0;
  bool prefetch = false;               // prefetch each panel kPrefetchAheadK rows ahead into L1
  // With prefetch: bytes [next, next_end) of the panel group this thread computes next, asked
  // into L2 next_lines_per_k cache lines per K step, so they arrive from memory while this tile
  // computes (gemm.cc); null: none.
  const uint8_t* next = nullptr;
  const uint8_t* next_end = nullptr;
  int next_lines_per_k = 0;
};

// How far ahead a tile with `prefetch` set asks for its panels' rows (K steps): 2 KiB per fp32
// panel, about 200 cycles of FMAs at MR = 6, P = 2. Without it the hardware prefetcher leaves the
// decode tiles waiting on L2 and DRAM (model/gemm.cc says where it is set, and the A/B).
constexpr int64_t kPrefetchAheadK = 16;

using MicroKernel = void (*)(const GemmTile& tile);

struct GemmKernels {
  int nr;          // panel width: two vectors
  int max_rows;    // MR of a P = 1 tile (the big prefill tile)
  int max_rows_p2; // MR of a P = 2 tile
  int max_rows_p4; // MR of a P = 4 tile (0: none)
  // Token counts above the P = 4 tile's take P = 2 tiles of max_rows_p2 rows (true) or P = 1
  // tiles of max_rows rows (false). Which is faster depends on the core, not only the ISA (per k
  // the P = 1 tile does 2 weight loads + max_rows broadcasts, the P = 2 tile 4 + max_rows_p2): on
  // the AVX-512 EPYC of 2026-12-02, 6 x 2 beat 12 x 1 by 6-11% at T = 32..512. gemm_kernels()
  // measures it once per process (gemm_tiles.h, ~30 ms); the per-ISA tables leave it false.
  bool wide_tiles = false;
  const char* tile_choice = "tall (default)";  // which tile, and how it was chosen: "wide (measured)", ...
  // [dtype][P index: 0 -> 1, 1 -> 2, 2 -> 4][MR], null where the tile does not fit the registers.
  MicroKernel kernel[3][3][17];
  // The FMA peak these kernels could reach: `iterations` rounds of 24 independent vector FMAs
  // on registers only (no memory). Returns the flops done (2 per lane and FMA).
  double (*fma_loop)(int64_t iterations);
  MicroKernel get(DType dt, int p, int mr) const { return kernel[static_cast<int>(dt)][p == 1 ? 0 : p == 2 ? 1 : 2][mr]; }
};

const GemmKernels& gemm_kernels();                 // this CPU's (CHUNKSERVE_SIMD caps it), tiles chosen (gemm_tiles.h)
const GemmKernels& gemm_kernels_for(SimdLevel level);
const GemmKernels* gemm_kernels_portable();
const GemmKernels* gemm_kernels_avx2();            // null when not compiled in
const GemmKernels* gemm_kernels_avx512();

}  // namespace chunkserve
