// Hyper-parameters of a Llama-family decoder (Llama 2/3, Mistral, Qwen2, TinyLlama), as read
// from a Hugging Face config.json by libs/engine and handed to the addon.
#pragma once
#include <cstdint>
#include <string>

namespace chunkserve {

enum class RopeScaling { None, Linear, Llama3 };

struct ModelConfig {
  std::string architecture;   // "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"
  int hidden = 0;             // hidden_size
  int n_layers = 0;           // num_hidden_layers
  int n_heads = 0;            // num_attention_heads
  int n_kv_heads = 0;         // num_key_value_heads (GQA: n_heads % n_kv_heads == 0)
  int head_dim = 0;           // head_dim, else hidden / n_heads
  int intermediate = 0;       // intermediate_size (SwiGLU width)
  int vocab = 0;              // vocab_size
  int max_positions = 0;      // max_position_embeddings
  float rms_eps = 1e-5f;      // rms_norm_eps
  double rope_theta = 10000;  // rope_theta
  RopeScaling rope_scaling = RopeScaling::None;
  double rope_factor = 1;             // rope_scaling.factor
  double rope_low_freq_factor = 1;    // llama3 only
  double rope_high_freq_factor = 4;   // llama3 only
  int rope_original_max_positions = 8192;  // llama3 only
  bool tie_embeddings = false;  // tie_word_embeddings: lm_head shares embed_tokens
  bool qkv_bias = false;        // Qwen2: q/k/v projections carry a bias

  int q_dim() const { return n_heads * head_dim; }
  int kv_dim() const { return n_kv_heads * head_dim; }
  // Throws std::invalid_argument naming the first inconsistent field.
  void validate() const;
};

}  // namespace chunkserve
