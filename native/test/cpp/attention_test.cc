// Decode (TPP and the sequence-first baseline) and prefill attention against float64 references
// on random sharing structures, shapes, dtypes and thread counts; and TPP reads shared chunks once.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "attention/decode_attention.h"
#include "attention/prefill_attention.h"
#include "check.h"
#include "kv_world.h"

using namespace chunkserve;
using check::KvWorld;
using check::Rng;

namespace {

double tolerance(DType t) { return t == DType::F32 ? 1e-5 : t == DType::F16 ? 2e-3 : 1e-2; }

// A random sharing structure: a few base prompts; each sequence takes a random prefix of one
// plus a random suffix.
std::vector<std::vector<int32_t>> random_prompts(Rng& r, int n, int c) {
  std::vector<std::vector<int32_t>> bases;
  for (int i = 1 + r.below(3); i > 0; --i) bases.push_back(check::random_tokens(r, r.below(5 * c)));
  std::vector<std::vector<int32_t>> out;
  for (int s = 0; s < n; ++s) {
    auto p = bases[r.below(static_cast<int>(bases.size()))];
    const double x = r.uniform();
    p.resize(x < 0.4 ? p.size() : x < 0.5 ? 0 : r.below(static_cast<int>(p.size()) + 1));
    if (!r.chance(0.3))
      for (int t = r.below(2 * c); t > 0; --t) p.push_back(r.below(1000));
    if (p.empty()) p.push_back(1);
    out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_CASE("decode attention matches float64 for TPP and the baseline on random trees") {
  // Pools of other sizes than the machine's: phase 2 takes its tasks from the two ends of one
  // range per pair of threads, a lone thread on the last (common/two_ended_range.h).
  std::vector<std::unique_ptr<ThreadPool>> pools;
  for (int n : {1, 3, 5}) pools.push_back(std::make_unique<ThreadPool>(n));
  for (uint64_t seed = 100; seed < 130; ++seed) {
    Rng r(seed);
    KvCacheConfig cfg;
    cfg.n_layers = 2;
    cfg.n_kv_heads = 1 + r.below(2);
    cfg.head_dim = r.pick(std::vector<int>{64, 80, 128});
    cfg.chunk_size = r.pick(std::vector<int>{4, 16, 64});
    cfg.dtype = r.pick(std::vector<DType>{DType::F32, DType::F16, DType::BF16});
    cfg.pool_bytes = cfg.layout().chunk_bytes() * 256;
    KvWorld w(cfg);
    std::vector<SeqId> seqs;
    for (const auto& p : random_prompts(r, 1 + r.below(9), cfg.chunk_size)) seqs.push_back(w.insert("t", p).seq);
    const int n_heads = cfg.n_kv_heads * r.pick(std::vector<int>{1, 2, 4, 7, 8});
    const int layer = r.below(cfg.n_layers);
    const auto q = check::random_floats(r, seqs.size() * n_heads * cfg.head_dim, 2.f);
    const auto ref = w.reference_decode(seqs, layer, n_heads, q);
    for (DecodeMethod m : {DecodeMethod::Tpp, DecodeMethod::Baseline}) {
      DecodePlan plan(m);
      std::vector<float> out(q.size());
      decode_attention(w.cache, plan, seqs, layer, n_heads, q.data(), out.data());
      CHECK(check::rel_err(out, ref) < tolerance(cfg.dtype));
      // the CPU engine's grouping (longer segments) for a random thread count
      plan.set_segment_policy(cpu_segment_policy(cfg.n_kv_heads, 1 + r.below(4)));
      decode_attention(w.cache, plan, seqs, layer, n_heads, q.data(), out.data());
      CHECK(check::rel_err(out, ref) < tolerance(cfg.dtype));
      ThreadPool& pool = *pools[r.below(static_cast<int>(pools.size()))];
      std::fill(out.begin(), out.end(), NAN);
      decode_attention(w.cache, plan, seqs, layer, n_heads, q.data(), out.data(), &pool);
      CHECK(check::rel_err(out, ref) < tolerance(cfg.dtype));
    }
  }
}

TEST_CASE("TPP reads each shared chunk once; the baseline reads it per sequence") {
  Rng r(7);
  KvCacheConfig cfg;
  cfg.n_kv_heads = 2;
  cfg.head_dim = 64;
  cfg.chunk_size = 16;
  cfg.pool_bytes = cfg.layout().chunk_bytes() * 64;
  KvWorld w(cfg);
  const auto sys = check::random_tokens(r, 100);
  std::vector<SeqId> seqs;
  for (int i = 0; i < 4; ++i) {
    auto p = sys;
    for (int t = 0; t < 5; ++t) p.push_back(r.below(1000));
    seqs.push_back(w.insert("t", p).seq);
  }
  const auto q = check::random_floats(r, seqs.size() * 4 * cfg.head_dim);
  DecodePlan tpp(DecodeMethod::Tpp), base(DecodeMethod::Baseline);
  std::vector<float> out(q.size());
  decode_attention(w.cache, tpp, seqs, 0, 4, q.data(), out.data());
  decode_attention(w.cache, base, seqs, 0, 4, q.data(), out.data());
  CHECK_EQ(tpp.work().n_shared(), 6);  // floor(100 / 16) full chunks of the system prompt
  CHECK_EQ(base.work().n_shared(), 0);
  CHECK(decode_kv_bytes_read(w.cache, base.work()) > 3 * decode_kv_bytes_read(w.cache, tpp.work()));
}

TEST_CASE("the decode plan rebuilds only when the tree or the batch changes") {
  Rng r(8);
  KvCacheConfig cfg;
  cfg.head_dim = 64;
  cfg.chunk_size = 8;
  cfg.pool_bytes = cfg.layout().chunk_bytes() * 64;
  KvWorld w(cfg);
  std::vector<SeqId> seqs{w.insert("t", check::random_tokens(r, 20)).seq, w.insert("t", check::random_tokens(r, 3)).seq};
  DecodePlan plan;
  std::vector<float> q = check::random_floats(r, 2 * 64), out(q.size());
  decode_attention(w.cache, plan, seqs, 0, 1, q.data(), out.data());
  const uint64_t r0 = plan.rebuilds();
  w.append(seqs, {1, 2});  // no chunk fills: lengths only
  decode_attention(w.cache, plan, seqs, 0, 1, q.data(), out.data());
  CHECK_EQ(plan.rebuilds(), r0);
  for (int i = 0; i < 4; ++i) w.append(seqs, {1, 2});  // the first sequence's tail fills (24 tokens)
  decode_attention(w.cache, plan, seqs, 0, 1, q.data(), out.data());
  CHECK_EQ(plan.rebuilds(), r0 + 1);
  CHECK(check::rel_err(out, w.reference_decode(seqs, 0, 1, q)) < 1e-5);
}

TEST_CASE("prefill attention is causal over the cached prefix and matches float64") {
  for (uint64_t seed = 200; seed < 212; ++seed) {
    Rng r(seed);
    KvCacheConfig cfg;
    cfg.n_kv_heads = 2;
    cfg.head_dim = r.pick(std::vector<int>{64, 96});
    cfg.chunk_size = r.pick(std::vector<int>{4, 16});
    cfg.dtype = r.chance(0.5) ? DType::F16 : DType::F32;
    cfg.pool_bytes = cfg.layout().chunk_bytes() * 128;
    KvWorld w(cfg);
    const auto p = check::random_tokens(r, 1 + r.below(80));
    const SeqId s = w.insert("t", p).seq;
    const int32_t n_q = 1 + r.below(static_cast<int>(p.size()));
    const int32_t pos0 = static_cast<int32_t>(p.size()) - n_q;
    const int n_heads = 2 * (1 + r.below(3));
    const auto q = check::random_floats(r, static_cast<size_t>(n_q) * n_heads * cfg.head_dim, 2.f);
    std::vector<float> out(q.size());
    prefill_attention(w.cache, s, 0, pos0, n_q, n_heads, q.data(), out.data());
    CHECK(check::rel_err(out, w.reference_prefill(s, 0, pos0, n_heads, q)) < tolerance(cfg.dtype));
  }
}
