// A Hugging Face model directory read in C++, for runs without Node (the GPU check driver):
// config.json and model.safetensors, or shards listed by model.safetensors.index.json. The
// config follows libs/engine/src/checkpoint/model-config.ts (the Node runtime's reader), and also
// takes transformers 5's rope_parameters {rope_type, rope_theta, factor, ...} where older files
// have rope_theta and rope_scaling.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "model/json_value.h"
#include "model/model_config.h"
#include "model/model_weights.h"

namespace chunkserve {

struct CheckpointDir {
  ModelConfig config;
  std::vector<std::string> files;             // safetensors files
  std::map<std::string, TensorSpec> tensors;  // F32 / F16 / BF16 tensors by name (ModelWeights::load)
};

// Throws std::runtime_error naming the file and the fault (missing, malformed, unsupported).
CheckpointDir read_checkpoint_dir(const std::string& dir);
// config.json's object -> ModelConfig (validated); `file` names it in errors.
ModelConfig parse_hf_config(const JsonValue& config, const std::string& file);

}  // namespace chunkserve
