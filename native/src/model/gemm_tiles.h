// Which tile the GEMM takes for larger token counts (GemmKernels::wide_tiles), chosen by
// measuring both on this machine once per process: the faster one differs between cores of the
// same instruction set, so it is measured rather than assumed from CPU flags.
#pragma once
#include "model/gemm_kernels.h"

namespace chunkserve {

// The kernels with wide_tiles and tile_choice set. mode (CHUNKSERVE_GEMM_TILES): "tall" (P = 1 tiles), "wide"
// (P = 2 tiles), or null / "" / "auto": time both on one thread (a 512 x 1024 fp32 matrix,
// T = 128, alternating, 15 rounds each, ~30 ms) and keep the one with the faster best round. Throws
// std::invalid_argument for another value.
GemmKernels choose_gemm_tiles(const GemmKernels& base, const char* mode);

}  // namespace chunkserve
