// The decoder's weights, resolved by name from memory-mapped safetensors files.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/weight_matrix.h"
#include "model/mapped_file.h"
#include "model/model_config.h"

namespace chunkserve {

// Where one tensor lives, as read from a safetensors header by libs/engine.
struct TensorSpec {
  int file = 0;               // index into the file list
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  int64_t offset = 0;         // absolute byte offset of the data in the file
  int64_t nbytes = 0;
};

struct LayerWeights {
  std::vector<float> attn_norm;         // [hidden]
  WeightMatrix wq, wk, wv, wo;          // [q_dim, hidden], [kv_dim, hidden] x2, [hidden, q_dim]
  std::vector<float> bq, bk, bv;        // [q_dim], [kv_dim], [kv_dim]; empty without qkv_bias
  std::vector<float> mlp_norm;          // [hidden]
  WeightMatrix w_gate, w_up, w_down;    // [inter, hidden] x2, [hidden, inter]
};

struct ModelWeights {
  std::vector<std::unique_ptr<MappedFile>> files;
  WeightMatrix embed;                   // [vocab, hidden]
  std::vector<LayerWeights> layers;     // [n_layers]
  std::vector<float> final_norm;        // [hidden]
  WeightMatrix lm_head;                 // [vocab, hidden]; == embed when tied

  // Maps the files and resolves every tensor the config needs; throws std::runtime_error naming
  // the file and tensor on a missing tensor, a wrong shape or data outside the file.
  static std::unique_ptr<ModelWeights> load(const ModelConfig& cfg, const std::vector<std::string>& paths,
                                            const std::map<std::string, TensorSpec>& tensors);
};

}  // namespace chunkserve
