// The CUDA backend's device plan (cuda/tpp_device_plan.h) built from the engine's own work lists
// and run through the host emulation of the GPU kernels (cuda/tpp_host_exec.h), against the
// float64 reference over the stored K/V: segments, pieces, partial rows, merges, run-time tail
// lengths and append slots are checked on machines without a GPU.
#include <cmath>

#include "attention/decode_attention.h"
#include "attention/reference_attention.h"
#include "check.h"
#include "cuda/tpp_device_plan.h"
#include "cuda/tpp_host_exec.h"
#include "kv_world.h"

using namespace chunkserve;
using check::KvWorld;
using check::Rng;

namespace {

double rms_rel(const std::vector<float>& a, const std::vector<double>& b) { return check::rms_rel(a.data(), b.data(), b.size()); }

const uint16_t* pool_words(const KvCache& cache) {
  return reinterpret_cast<const uint16_t*>(const_cast<KvCache&>(cache).storage().host_chunk(0));
}

}  // namespace

TEST_CASE("device plan of the engine's work lists matches float64 through the host emulation") {
  struct Shape {
    int head_dim, chunk_size, n_kv, group;
  };
  const std::vector<Shape> shapes{{128, 64, 2, 1}, {64, 16, 2, 4}, {128, 32, 1, 8}, {96, 64, 2, 2}, {80, 16, 1, 3}};
  uint64_t seed = 300;
  for (DType dtype : {DType::F16, DType::BF16})
    for (const Shape& sh : shapes) {
      Rng r(++seed);
      KvCacheConfig cfg;
      cfg.n_layers = 2;
      cfg.n_kv_heads = sh.n_kv;
      cfg.head_dim = sh.head_dim;
      cfg.chunk_size = sh.chunk_size;
      cfg.dtype = dtype;
      cfg.pool_bytes = cfg.layout().chunk_bytes() * 256;
      KvWorld w(cfg);
      std::vector<SeqId> seqs;
      const auto sys = check::random_tokens(r, r.below(4 * sh.chunk_size) + sh.chunk_size);
      for (int i = 1 + r.below(8); i > 0; --i) {
        auto p = sys;
        p.resize(r.chance(0.7) ? p.size() : r.below(static_cast<int>(p.size()) + 1));
        for (int t = r.below(2 * sh.chunk_size) + 1; t > 0; --t) p.push_back(r.below(1000));
        seqs.push_back(w.insert("t", p).seq);
      }
      const int n_heads = sh.n_kv * sh.group;
      const double tol = dtype == DType::F16 ? 1e-3 : 8e-3;
      for (int step = 0; step < 3; ++step) {
        if (step == 1) seqs.push_back(w.fork(seqs[0]));
        for (const int32_t threshold : {1, 1 << 30}) {  // TPP, and the sequence-first baseline
          const SegmentPolicy policy = cuda_segment_policy(w.cache.layout(), n_heads, 1 + r.below(8));
          const DecodeWorkList work = build_decode_work_list(w.cache, seqs, threshold, policy);
          const TppDevicePlan plan = build_tpp_device_plan(work, w.cache.layout(), n_heads);
          const int layer = r.below(cfg.n_layers);
          const auto q = check::random_floats(r, seqs.size() * n_heads * cfg.head_dim, 2.f);
          std::vector<float> out(q.size());
          tpp_host_decode(plan, w.cache.layout(), pool_words(w.cache), layer, n_heads, work.seq_len, q.data(), out.data());
          std::vector<double> ref(q.size());
          reference_decode_attention(w.cache, seqs, layer, n_heads, q.data(), ref.data());
          CHECK(rms_rel(out, ref) < tol);
          if (threshold == 1 && seqs.size() > 1) CHECK(!plan.chunk_first.empty() || work.n_shared() == 0);
        }
        std::vector<int32_t> toks(seqs.size());
        for (int32_t& t : toks) t = r.below(1000);
        w.append(seqs, toks);
      }
    }
}

TEST_CASE("prefill plan over a cached prefix matches float64 through the host emulation") {
  uint64_t seed = 400;
  for (DType dtype : {DType::F16, DType::BF16})
    for (int c : {16, 64}) {
      Rng r(++seed);
      KvCacheConfig cfg;
      cfg.n_kv_heads = 2;
      cfg.head_dim = 64;
      cfg.chunk_size = c;
      cfg.dtype = dtype;
      cfg.pool_bytes = cfg.layout().chunk_bytes() * 64;
      KvWorld w(cfg);
      const auto p = check::random_tokens(r, 1 + r.below(3 * c));
      const SeqId s = w.insert("t", p).seq;
      const int32_t n_q = 1 + r.below(static_cast<int>(p.size()));
      const int32_t pos0 = static_cast<int32_t>(p.size()) - n_q;
      const int n_heads = 4;
      const auto q = check::random_floats(r, static_cast<size_t>(n_q) * n_heads * cfg.head_dim, 2.f);
      const TppDevicePlan plan = build_tpp_prefill_plan(w.cache.seq_chunks(s), w.cache.layout(), n_heads, pos0, n_q);
      std::vector<float> out(q.size());
      tpp_host_prefill(plan, w.cache.layout(), pool_words(w.cache), 0, n_heads, pos0, q.data(), out.data());
      std::vector<double> ref(q.size());
      reference_prefill_attention(w.cache, s, 0, pos0, n_q, n_heads, q.data(), ref.data());
      CHECK(rms_rel(out, ref) < (dtype == DType::F16 ? 1e-3 : 8e-3));
    }
}

TEST_CASE("an inconsistent work list or an unsupported shape is refused") {
  KvCacheConfig cfg;
  cfg.head_dim = 64;
  cfg.chunk_size = 16;
  cfg.dtype = DType::F16;
  cfg.pool_bytes = cfg.layout().chunk_bytes() * 16;
  KvWorld w(cfg);
  Rng r(5);
  const std::vector<SeqId> seqs{w.insert("t", check::random_tokens(r, 40)).seq};
  DecodeWorkList work = build_decode_work_list(w.cache, seqs, 1);
  DecodeWorkList other_c = work;
  other_c.chunk_size = 32;
  CHECK_THROWS_AS(build_tpp_device_plan(other_c, w.cache.layout(), 1), std::invalid_argument);
  work.dfs_row = {5};
  CHECK_THROWS_AS(build_tpp_device_plan(work, w.cache.layout(), 1), std::invalid_argument);
  ChunkLayout f32 = w.cache.layout();
  f32.dtype = DType::F32;
  CHECK_THROWS_AS(build_tpp_device_plan(build_decode_work_list(w.cache, seqs, 1), f32, 1), std::invalid_argument);
}
