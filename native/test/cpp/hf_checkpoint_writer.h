// Writes safetensors files and random Llama checkpoints in the Hugging Face layout, for the C++
// tests and for the GPU check driver's runs without Python (native/bench/forward_check.cc).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/dtype.h"
#include "model/model_config.h"

namespace check {

struct TensorToWrite {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16" (values rounded on write) or "I32"
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// Header padded so the data starts 8-byte aligned, as the reference writer does.
void write_safetensors(const std::string& file, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// config.json text for cfg (LlamaForCausalLM). transformers5: RoPE in rope_parameters, as
// transformers 5 writes it; else rope_theta and rope_scaling.
std::string hf_config_json(const chunkserve::ModelConfig& cfg, bool transformers5);

// A random checkpoint directory (created if missing): config.json and model.safetensors, or
// n_shards > 1 files with model.safetensors.index.json. Matrices uniform in +-1/sqrt(in),
// norms 1 +- 0.1. Returns every tensor's values as written (before rounding to dtype).
std::map<std::string, std::vector<float>> write_random_llama(const std::string& dir, const chunkserve::ModelConfig& cfg,
                                                             chunkserve::DType dtype, uint64_t seed, int n_shards = 1,
                                                             bool transformers5 = false);

}  // namespace check
