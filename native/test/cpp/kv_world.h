// A KV cache filled the way a model would fill it, for the C++ tests (the mirror of
// native/test/helpers/kv-world.ts). K/V of a position are a deterministic function of
// (namespace, token prefix up to and including it, layer), so a chunk wrongly shared or copied
// (another namespace, another prefix) shows up against the float64 reference computed here from
// the original fp32 values.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "cache/kv_cache.h"
#include "test_random.h"

namespace check {

class KvWorld {
 public:
  explicit KvWorld(const chunkserve::KvCacheConfig& config) : cache(config), cfg(config) {}

  // Inserts a prompt and computes (writes K/V of, marks computed) what was not cached.
  chunkserve::InsertResult insert(const std::string& ns, const std::vector<int32_t>& tokens, size_t max_cached = SIZE_MAX);
  // One decode step: a token per sequence, its K/V written for every layer.
  void append(const std::vector<chunkserve::SeqId>& seqs, const std::vector<int32_t>& tokens);
  void remove(chunkserve::SeqId seq);
  chunkserve::SeqId fork(chunkserve::SeqId seq);

  // float64 attention of every sequence's query [n_heads, head_dim] over all its positions.
  std::vector<double> reference_decode(const std::vector<chunkserve::SeqId>& seqs, int layer, int n_heads,
                                       const std::vector<float>& q) const;
  // Causal prefill: queries at positions [pos0, pos0 + n_q) of one sequence.
  std::vector<double> reference_prefill(chunkserve::SeqId seq, int layer, int32_t pos0, int n_heads,
                                        const std::vector<float>& q) const;

  chunkserve::KvCache cache;
  chunkserve::KvCacheConfig cfg;

 private:
  struct Seq {
    std::string ns;
    std::vector<int32_t> tokens;
    std::vector<uint32_t> prefix_hash;  // [len] hash of tokens[0..p]
  };
  void kv_row(const std::string& ns, uint32_t prefix_hash, int layer, std::vector<float>& k, std::vector<float>& v) const;
  void extend_hashes(Seq& s, size_t from) const;
  void compute(chunkserve::SeqId id, Seq& s, size_t from);
  void attend(const Seq& s, int layer, int n_heads, int32_t n_keys, const float* q, double* out) const;
  std::map<chunkserve::SeqId, Seq> seqs_;
};

}  // namespace check
