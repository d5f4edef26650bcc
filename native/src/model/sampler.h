// Picks the next token from a sequence's logits: penalties, temperature, top-k, top-p, seeded
// randomness; reports log-probabilities of the chosen and the most likely tokens.
#pragma once
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

namespace chunkserve {

struct SamplingParams {
  float temperature = 1.f;         // 0 = greedy
  int top_k = 0;                   // 0 = off
  float top_p = 1.f;               // 1 = off
  float repetition_penalty = 1.f;  // HF style, over prompt and generated tokens; 1 = off
  float frequency_penalty = 0.f;   // OpenAI style, per occurrence in generated tokens
  float presence_penalty = 0.f;    // OpenAI style, once per token present in generated tokens
  int top_logprobs = 0;            // how many alternatives to report (0 = none)
  bool logprobs = false;
};

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0.f;
};

struct SampleResult {
  int32_t token = 0;
  float logprob = 0.f;                  // log-softmax of the model's raw logits
  std::vector<TokenLogprob> top;       // [top_logprobs], most likely first
};

class Sampler {
 public:
  Sampler(const SamplingParams& params, uint64_t seed);
  // Records prompt tokens (repetition penalty looks at them too).
  void add_prompt(const std::vector<int32_t>& tokens);
  // logits: [vocab], modified in place (penalties, temperature). Records the chosen token.
  // NaN logits count as -inf; throws std::runtime_error when no logit is finite.
  SampleResult sample(float* logits, int vocab);

 private:
  SamplingParams p_;
  std::mt19937_64 rng_;
  std::unordered_map<int32_t, int32_t> generated_counts_;  // token -> occurrences in the output
  std::unordered_map<int32_t, bool> seen_;                 // tokens of prompt or output
  std::vector<std::pair<float, int32_t>> scratch_;         // [vocab] (logit, token)
};

}  // namespace chunkserve
