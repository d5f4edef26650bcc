// The GPU check's end-to-end run through the real Scheduler (the serving runtime without Node):
// R requests sharing an S-token system prompt plus U distinct tokens each, G greedy tokens per
// request. Measures TTFT of one request cold (nothing cached) and pre-warmed (the system prompt
// pre-warmed and pinned), then the batch: decode tokens/s over the window where all R decode
// together, the decode step time against its floor (weight bytes + K/V bytes read per step, over
// the measured copy bandwidth), peak KV bytes in use. One JSON line per run (sharing on or off).
//
// Prompts file (safetensors, hf_reference.py writes it so transformers' generate() gets the same
// batch): prompts I32 [R][S + U], metadata "system" = S.
#pragma once
#include <string>

#include "common/dtype.h"

namespace chunkserve {

struct E2eSpec {
  std::string model_dir, prompts, label;
  std::string device = "cuda";
  bool sharing = true;
  int gen = 128;
  int chunk_size = 64;
  int prefill_chunk = 512;
  size_t kv_bytes = size_t(16) << 30;
  DType kv_dtype = DType::BF16;
};

// Prints one JSON line; false when a request failed.
bool run_e2e(const E2eSpec& spec);

}  // namespace chunkserve
