// The model's weights in device memory, uploaded once at load:
//   - every matrix in one 16-bit type: fp16 when the checkpoint's embedding is fp16, else bf16
//     (fp32 and mixed checkpoints are converted on the GPU while uploading: converted() says so);
//   - per layer, q/k/v fused into one matrix [q_dim + 2 kv_dim][hidden] (rows q | k | v: one GEMM
//     whose epilogue splits the columns) and gate/up row-interleaved into [2 inter][hidden] (row
//     2j gate j, 2j + 1 up j: the SwiGLU epilogue finds each pair in adjacent columns);
//   - norms and biases fp32; RoPE's inverse frequencies as the CPU's Rope computes them (double).
// Matrices keep Hugging Face's [out][in] layout: the GEMM reads W rows as its B columns.
// Only compiled with CUDA.
#pragma once
#ifdef CHUNKSERVE_WITH_CUDA
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "cuda/device_buffer.h"
#include "model/model_config.h"
#include "model/model_weights.h"

namespace chunkserve {

struct CudaLayerWeights {
  const void* qkv = nullptr;       // [q_dim + 2 kv_dim][hidden]
  const void* o = nullptr;         // [hidden][q_dim]
  const void* gate_up = nullptr;   // [2 inter][hidden], gate/up interleaved by row
  const void* down = nullptr;      // [hidden][inter]
  const float* qkv_bias = nullptr; // [q_dim + 2 kv_dim], null without qkv_bias
};

class CudaWeights {
 public:
  // Uploads (and converts) every tensor; throws std::invalid_argument for a width that is not a
  // multiple of 8 (the GEMMs' 16-byte vectors) and std::runtime_error when the device is full.
  CudaWeights(const ModelConfig& cfg, const ModelWeights& w);

  DType dtype() const { return dtype_; }
  bool converted() const { return converted_; }   // some tensor was not already in dtype()
  size_t bytes() const { return bytes_; }         // device bytes held
  const CudaLayerWeights& layer(int l) const { return layers_[l]; }
  const void* embed() const { return embed_; }    // [vocab][hidden]
  const void* lm_head() const { return lm_head_; }  // [vocab][hidden] (the embedding when tied)
  const double* inv_freq() const { return inv_freq_; }  // [head_dim / 2]
  // The device copy of one of the model's norm vectors, found by its host address: the forward
  // pass (model/forward.cc) hands backends the host vectors' data(). Throws std::logic_error for
  // any other pointer.
  const float* norm(const float* host) const;

  // Device bytes the weights of cfg take (sizing the KV pool before they are uploaded).
  static size_t device_bytes(const ModelConfig& cfg);

 private:
  void* alloc(size_t bytes);
  const float* upload_floats(const std::vector<float>& v);
  // Rows of m into dst, row r at dst + r * row_step elements (in dtype_).
  void put_rows(void* dst, int64_t row_step, const WeightMatrix& m);

  DType dtype_ = DType::BF16;
  bool converted_ = false;
  size_t bytes_ = 0;
  std::vector<DeviceBuffer> buffers_;
  DeviceBuffer staging_;  // conversion: raw checkpoint bytes, a piece of rows at a time
  std::vector<CudaLayerWeights> layers_;
  const void* embed_ = nullptr;
  const void* lm_head_ = nullptr;
  const double* inv_freq_ = nullptr;
  std::unordered_map<const float*, const float*> norms_;  // host data() -> device copy
};

}  // namespace chunkserve
#endif  // CHUNKSERVE_WITH_CUDA
