#include "engine_setup.h"

#include <stdexcept>

#include "common/device.h"
#include "cuda/cuda_backend.h"

namespace chunkserve {

LoadedModel load_model(const std::string& dir) {
  CheckpointDir ck = read_checkpoint_dir(dir);
  LoadedModel m;
  m.config = ck.config;
  m.weights = ModelWeights::load(ck.config, ck.files, ck.tensors);
  m.weight_dtype = dtype_name(m.weights->embed.dtype);
  return m;
}

std::unique_ptr<Backend> make_backend(const std::string& device, const ModelConfig& cfg) {
  if (device == "cpu") return make_cpu_backend(cfg, 0);
  if (device != "cuda") throw std::invalid_argument("device must be cpu or cuda");
  select_device("cuda");  // throws with the reason when no GPU is usable
  return make_cuda_backend(cfg);
}

KvCacheConfig kv_config(const std::string& device, const ModelConfig& cfg, DType kv_dtype, int chunk_size, size_t pool_bytes) {
  KvCacheConfig kv;
  kv.n_layers = cfg.n_layers;
  kv.n_kv_heads = cfg.n_kv_heads;
  kv.head_dim = cfg.head_dim;
  kv.chunk_size = chunk_size;
  kv.dtype = kv_dtype;
  kv.pool_bytes = pool_bytes;
  return device == "cuda" ? cuda_kv_config(kv, cfg) : kv;
}

}  // namespace chunkserve
