// The dtype dispatch of the TPP kernel's launchers (tpp_kernels_{f16,bf16}.cu hold the bodies).
#include "cuda/tpp_launch.h"

#include <cuda_runtime.h>

namespace chunkserve {

int launch_tpp_tiles(DType dtype, int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces, int row_blocks,
                     bool programmatic, void* stream) {
  if (dtype == DType::F16) return launch_tpp_tiles_f16(head_dim, mode, args, n_pieces, row_blocks, programmatic, stream);
  if (dtype == DType::BF16) return launch_tpp_tiles_bf16(head_dim, mode, args, n_pieces, row_blocks, programmatic, stream);
  return cudaErrorInvalidValue;
}

}  // namespace chunkserve
