// A plain float64 Llama forward pass over a whole sequence: no cache, no chunks, no kernels,
// the textbook formulas over ModelWeights (RoPE from the CPU Rope's inverse frequencies, which
// the C++ tests hold to Hugging Face's formula). The GPU check driver's reference where no
// Python reference is given (forward_check selftest).
#pragma once
#include <cstdint>
#include <vector>

#include "model/model_weights.h"

namespace chunkserve {

// logits: [tokens.size()][vocab], the next-token logits at every position.
std::vector<double> reference_logits(const ModelConfig& cfg, const ModelWeights& w, const std::vector<int32_t>& tokens);

}  // namespace chunkserve
