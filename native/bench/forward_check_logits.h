// The GPU check's logits comparison: our forward pass (CPU or CUDA backend) against reference
// logits of the same checkpoint (transformers' LlamaForCausalLM from hf_reference.py, or the
// float64 reference_forward), through the serving path's pieces: KvCache, Batch, Forward.
//
// Reference file (safetensors): input_ids I32 [B][L], logits F32 [B][L][vocab] (next-token
// logits at every position), metadata "prefix" (tokens every sequence shares), "decode_from" D
// and "reference" (what computed it). Phases, each one JSON line:
//   cold    sequence 0 prefilled from nothing, positions [0, D): logits at D - 1
//   cached  sequences 1..B-1 inserted with the prefix found in the cache (shared full chunks, the
//           partial one copied), their rest prefilled in one step: logits at D - 1
//   decode  all B sequences decoded together, positions D..L-1 fed one per step (teacher
//           forcing), TPP over the shared chunks: logits at every step
// Metrics: rel_logits ||a - r|| / ||r||; rel_logsoftmax the same after log-softmax of each row;
// max_abs_logsoftmax; top1 (fraction of rows whose argmax agrees).
#pragma once
#include <string>

#include "common/dtype.h"

namespace chunkserve {

struct LogitsCheckSpec {
  std::string model_dir, reference, label;
  std::string device = "cpu";      // cpu | cuda
  DType kv_dtype = DType::F32;     // CUDA stores 16-bit K/V (fp32 becomes bf16)
  int chunk_size = 64;
  std::string gate = "rel_logits";  // the metric every phase must keep under tol
  double tol = 1e-4;
};

// Prints one JSON line per phase; true when every phase passed the gate.
bool run_logits_check(const LogitsCheckSpec& spec);

}  // namespace chunkserve
