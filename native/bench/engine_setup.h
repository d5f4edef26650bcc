// What the GPU check driver's runs share: a checkpoint directory loaded into ModelWeights, the
// backend of a device kind, and the KV cache config that device uses.
#pragma once
#include <memory>
#include <string>

#include "cache/kv_cache.h"
#include "model/backend.h"
#include "model/checkpoint_dir.h"

namespace chunkserve {

struct LoadedModel {
  ModelConfig config;
  std::unique_ptr<ModelWeights> weights;
  std::string weight_dtype;  // of the embedding, as stored: "fp32", "fp16", "bf16"
};

LoadedModel load_model(const std::string& dir);
// device: "cpu" or "cuda" (throws std::runtime_error naming the reason where CUDA is unusable).
std::unique_ptr<Backend> make_backend(const std::string& device, const ModelConfig& cfg);
// kv_dtype as asked on the CPU; on CUDA as cuda_kv_config makes it (16-bit).
KvCacheConfig kv_config(const std::string& device, const ModelConfig& cfg, DType kv_dtype, int chunk_size, size_t pool_bytes);

}  // namespace chunkserve
