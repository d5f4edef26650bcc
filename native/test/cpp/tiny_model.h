// A tiny random Llama held in memory (no checkpoint file), for the C++ runtime tests: the weights
// live in vectors owned by TinyModel, which must outlive the ModelWeights it hands out.
#pragma once
#include <memory>
#include <vector>

#include "model/model_weights.h"
#include "test_random.h"

namespace check {

struct TinyModel {
  chunkserve::ModelConfig config;
  std::vector<std::vector<float>> arrays;  // every matrix's storage

  // hidden 64, 2 layers, 4 heads of 64 over 2 KV heads, ffn 96, vocab 97.
  explicit TinyModel(uint64_t seed);
  std::unique_ptr<chunkserve::ModelWeights> weights();

 private:
  chunkserve::WeightMatrix matrix(Rng& r, int64_t rows, int64_t cols);
  Rng rng_;
};

}  // namespace check
