// The CUDA backend (model/backend.h) and how a CUDA runtime sizes its KV cache. Plain C++: the
// runtime includes it whether or not the build has CUDA (cuda_backend_stub.cc answers then).
//
// What runs where (docs/cuda.md): the weights live on the GPU (cuda_weights.h), every op of the
// forward pass runs there (GEMMs on tensor cores: cuda_gemm.h; embedding, RMSNorm, RoPE:
// cuda_layers.h), the chunk pool is a CudaChunkStorage in device memory and the prefix tree stays
// on the host (KvCache). Decode attention is the TPP decoder over the device pool (its work
// lists uploaded only when the tree changes, lengths every step), prefill attention the TPP
// prefill kernel over the cached prefix. Activations stay fp32 in device memory; logits come
// back to the host for sampling.
#pragma once
#include <memory>

#include "cache/kv_cache.h"
#include "model/backend.h"

namespace chunkserve {

// Throws std::runtime_error naming the reason when the build has no CUDA or no device is usable,
// std::invalid_argument for a model the kernels do not support (head_dim, widths).
std::unique_ptr<Backend> make_cuda_backend(const ModelConfig& cfg);

// Fraction of the device's free memory (after the weights and kCudaActivationReserve) that the
// KV pool takes when its size is not given.
constexpr double kCudaKvFreeFraction = 0.9;
constexpr size_t kCudaActivationReserve = size_t(1) << 30;

// The KV cache a CUDA runtime uses for the requested one: fp32 storage becomes bf16 (the device
// kernels read 16-bit K/V on tensor cores); pool_bytes 0 becomes kCudaKvFreeFraction of the free
// device memory left after the model's weights and the activation reserve. Throws
// std::runtime_error when the device cannot hold the weights.
KvCacheConfig cuda_kv_config(const KvCacheConfig& requested, const ModelConfig& cfg);

}  // namespace chunkserve
