// bf16 instantiations of the TPP kernel (one file per dtype so the two compile in parallel).
#include "cuda/tpp_kernels.cuh"

namespace chunkserve {

int launch_tpp_tiles_bf16(int head_dim, TppMode mode, const TppKernelArgs& args, int n_pieces, int row_blocks,
                         bool programmatic, void* stream) {
  return tpp::launch_dtype<__nv_bfloat16>(head_dim, mode, args, n_pieces, row_blocks, programmatic, stream);
}

}  // namespace chunkserve
