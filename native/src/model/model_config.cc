#include "model/model_config.h"

#include <stdexcept>

namespace chunkserve {

void ModelConfig::validate() const {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("config.json: " + what);
  };
  need(hidden > 0, "hidden_size must be a positive integer");
  need(n_layers > 0, "num_hidden_layers must be a positive integer");
  need(n_heads > 0, "num_attention_heads must be a positive integer");
  need(n_kv_heads > 0 && n_heads % n_kv_heads == 0,
       "num_key_value_heads must be positive and divide num_attention_heads");
  need(head_dim > 0 && head_dim % 2 == 0, "head_dim must be a positive even integer");
  need(head_dim <= 256, "head_dim above 256 is not supported");
  need(intermediate > 0, "intermediate_size must be a positive integer");
  need(vocab > 0, "vocab_size must be a positive integer");
  need(max_positions > 0, "max_position_embeddings must be a positive integer");
  need(rms_eps > 0, "rms_norm_eps must be positive");
  need(rope_theta > 0, "rope_theta must be positive");
  need(rope_factor > 0, "rope_scaling.factor must be positive");
  if (rope_scaling == RopeScaling::Llama3)
    need(rope_high_freq_factor > rope_low_freq_factor && rope_original_max_positions > 0,
         "llama3 rope_scaling needs high_freq_factor > low_freq_factor and original_max_position_embeddings > 0");
}

}  // namespace chunkserve
