#include "kv_world.h"

#include <cmath>

namespace check {
namespace {

uint32_t hash_string(const std::string& s) {
  uint32_t h = 2166136261u;
  for (unsigned char ch : s) h = (h ^ ch) * 16777619u;
  return h;
}

uint32_t mix(uint32_t h, uint32_t x) {
  h = (h ^ x) * 0x9e3779b1u;
  return h ^ (h >> 16);
}

}  // namespace

using namespace chunkserve;

void KvWorld::kv_row(const std::string& ns, uint32_t prefix_hash, int layer, std::vector<float>& k,
                     std::vector<float>& v) const {
  Rng r(mix(mix(hash_string(ns), prefix_hash), static_cast<uint32_t>(layer + 1)));
  const size_t n = static_cast<size_t>(cfg.n_kv_heads) * cfg.head_dim;
  k.resize(n);
  v.resize(n);
  for (float& x : k) x = r.symmetric(1.5f);
  for (float& x : v) x = r.symmetric(1.f);
}

void KvWorld::extend_hashes(Seq& s, size_t from) const {
  s.prefix_hash.resize(s.tokens.size());
  for (size_t p = from; p < s.tokens.size(); ++p)
    s.prefix_hash[p] = mix(p == 0 ? 12345u : s.prefix_hash[p - 1], static_cast<uint32_t>(s.tokens[p] + 7));
}

void KvWorld::compute(SeqId id, Seq& s, size_t from) {
  const size_t n = s.tokens.size() - from;
  if (n == 0) return;
  const size_t row = static_cast<size_t>(cfg.n_kv_heads) * cfg.head_dim;
  std::vector<float> k(n * row), v(n * row), kr, vr;  // [n, n_kv_heads, head_dim]
  for (int layer = 0; layer < cfg.n_layers; ++layer) {
    for (size_t t = 0; t < n; ++t) {
      kv_row(s.ns, s.prefix_hash[from + t], layer, kr, vr);
      std::copy(kr.begin(), kr.end(), k.begin() + t * row);
      std::copy(vr.begin(), vr.end(), v.begin() + t * row);
    }
    cache.store_kv_rows(id, static_cast<int32_t>(from), static_cast<int32_t>(n), layer, k.data(), v.data());
  }
  cache.mark_computed(id, static_cast<int32_t>(s.tokens.size()));
}

InsertResult KvWorld::insert(const std::string& ns, const std::vector<int32_t>& tokens, size_t max_cached) {
  const InsertResult r = cache.insert(ns, tokens, max_cached);
  Seq s{ns, tokens, {}};
  extend_hashes(s, 0);
  compute(r.seq, s, static_cast<size_t>(r.cached_tokens));
  seqs_[r.seq] = std::move(s);
  return r;
}

void KvWorld::append(const std::vector<SeqId>& ids, const std::vector<int32_t>& tokens) {
  cache.append(ids, tokens);
  for (size_t i = 0; i < ids.size(); ++i) {
    Seq& s = seqs_.at(ids[i]);
    s.tokens.push_back(tokens[i]);
    extend_hashes(s, s.tokens.size() - 1);
    compute(ids[i], s, s.tokens.size() - 1);
  }
}

void KvWorld::remove(SeqId seq) {
  cache.remove(seq);
  seqs_.erase(seq);
}

SeqId KvWorld::fork(SeqId seq) {
  const SeqId id = cache.fork(seq);
  seqs_[id] = seqs_.at(seq);
  return id;
}

void KvWorld::attend(const Seq& s, int layer, int n_heads, int32_t n_keys, const float* q, double* out) const {
  const int hd = cfg.head_dim, group = n_heads / cfg.n_kv_heads;
  std::vector<std::vector<float>> ks(n_keys), vs(n_keys);
  for (int32_t p = 0; p < n_keys; ++p) kv_row(s.ns, s.prefix_hash[p], layer, ks[p], vs[p]);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  std::vector<double> scores(n_keys);
  for (int h = 0; h < n_heads; ++h) {
    const int kvh = h / group;
    double mx = -INFINITY;
    for (int32_t p = 0; p < n_keys; ++p) {
      double dot = 0;
      for (int d = 0; d < hd; ++d) dot += static_cast<double>(q[h * hd + d]) * ks[p][kvh * hd + d];
      scores[p] = dot * scale;
      mx = std::max(mx, scores[p]);
    }
    double sum = 0;
    for (int32_t p = 0; p < n_keys; ++p) sum += (scores[p] = std::exp(scores[p] - mx));
    for (int d = 0; d < hd; ++d) {
      double acc = 0;
      for (int32_t p = 0; p < n_keys; ++p) acc += scores[p] * vs[p][kvh * hd + d];
      out[h * hd + d] = n_keys > 0 ? acc / sum : 0;
    }
  }
}

std::vector<double> KvWorld::reference_decode(const std::vector<SeqId>& ids, int layer, int n_heads,
                                              const std::vector<float>& q) const {
  std::vector<double> out(q.size());
  const size_t row = static_cast<size_t>(n_heads) * cfg.head_dim;
  for (size_t b = 0; b < ids.size(); ++b) {
    const Seq& s = seqs_.at(ids[b]);
    attend(s, layer, n_heads, static_cast<int32_t>(s.tokens.size()), q.data() + b * row, out.data() + b * row);
  }
  return out;
}

std::vector<double> KvWorld::reference_prefill(SeqId seq, int layer, int32_t pos0, int n_heads,
                                               const std::vector<float>& q) const {
  std::vector<double> out(q.size());
  const size_t row = static_cast<size_t>(n_heads) * cfg.head_dim;
  const Seq& s = seqs_.at(seq);
  for (size_t t = 0; t < q.size() / row; ++t)
    attend(s, layer, n_heads, pos0 + static_cast<int32_t>(t) + 1, q.data() + t * row, out.data() + t * row);
  return out;
}

}  // namespace check
