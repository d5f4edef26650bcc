// One serving step of the CUDA backend (cuda/cuda_backend.cu) with its device work done by the
// host emulations: prefill rows written through the step's slot table (cuda/prefill_rows.h, as
// store_slots_kernel does), decode rows appended by the TPP decoder's plan, decode attention
// over the engine's work list with the CUDA segment policy, and one prefill plan per span. A
// mirror cache receives the same operations through the CPU's store_kv_rows: every stored
// position must hold the same bytes in both, and the attention outputs must match float64 over the mirror.
#include <cmath>
#include <cstring>

#include "attention/decode_attention.h"
#include "attention/reference_attention.h"
#include "check.h"
#include "cuda/prefill_rows.h"
#include "cuda/tpp_device_plan.h"
#include "cuda/tpp_host_exec.h"
#include "test_random.h"

using namespace chunkserve;
using check::Rng;

namespace {

uint16_t* words(KvCache& c) { return reinterpret_cast<uint16_t*>(c.storage().host_chunk(0)); }

// Whether every position of the batch's sequences up to its span's end holds the same K/V bytes
// in both caches, every layer (slots nothing wrote hold whatever the allocation held).
bool same_kv(KvCache& a, KvCache& b, const Batch& batch) {
  const ChunkLayout& L = a.layout();
  const size_t row_bytes = L.head_dim * L.elem_bytes();
  for (const BatchSpan& span : batch.spans())
    for (int32_t pos = 0; pos < span.pos0 + span.n; ++pos) {
      const SeqId s = span.seq;
      const KvSlot x = a.locate(s, pos), y = b.locate(s, pos);
      for (int layer = 0; layer < L.n_layers; ++layer)
        for (int kv = 0; kv < 2; ++kv)
          for (int h = 0; h < L.n_kv_heads; ++h) {
            const size_t off = L.row_offset(layer, kv, h, x.slot) * L.elem_bytes();
            if (x.chunk != y.chunk || x.slot != y.slot ||
                std::memcmp(a.storage().host_chunk(x.chunk) + off, b.storage().host_chunk(y.chunk) + off, row_bytes) != 0)
              return false;
          }
    }
  return true;
}

// store_slots_kernel on the host: batch row rows[i] -> slot slots[i] of every KV head.
void store_slots(KvCache& cache, int layer, const PrefillRows& p, const float* k, const float* v) {
  const ChunkLayout& L = cache.layout();
  const int c = L.chunk_size, D = L.head_dim;
  for (size_t i = 0; i < p.rows.size(); ++i)
    for (int h = 0; h < L.n_kv_heads; ++h) {
      uint8_t* chunk = cache.storage().host_chunk(p.slots[i] / c);
      const size_t src = (static_cast<size_t>(p.rows[i]) * L.n_kv_heads + h) * D;
      store_as(L.dtype, k + src, chunk + L.row_offset(layer, 0, h, p.slots[i] % c) * L.elem_bytes(), D);
      store_as(L.dtype, v + src, chunk + L.row_offset(layer, 1, h, p.slots[i] % c) * L.elem_bytes(), D);
    }
}

}  // namespace

TEST_CASE("a mixed decode + prefill step through the CUDA backend's tables matches the CPU path") {
  uint64_t seed = 700;
  for (DType dtype : {DType::BF16, DType::F16})
    for (int c : {16, 64}) {
      Rng r(++seed);
      KvCacheConfig cfg;
      cfg.n_layers = 2, cfg.n_kv_heads = 2, cfg.head_dim = 64, cfg.chunk_size = c, cfg.dtype = dtype;
      cfg.pool_bytes = cfg.layout().chunk_bytes() * 128;
      KvCache dev(cfg), cpu(cfg);  // dev: written as the CUDA backend does; cpu: the mirror
      const int H = 4, kvd = cfg.n_kv_heads * cfg.head_dim, qd = H * cfg.head_dim;
      auto both_insert = [&](const std::vector<int32_t>& p, size_t max_cached) {
        const InsertResult a = dev.insert("t", p, max_cached), b = cpu.insert("t", p, max_cached);
        REQUIRE(a.seq == b.seq && a.cached_tokens == b.cached_tokens);
        return a;
      };
      // Earlier steps: two computed sequences sharing a system prompt.
      const std::vector<int32_t> sys = check::random_tokens(r, 2 * c + 5);
      std::vector<SeqId> decoding;
      for (int i = 0; i < 2; ++i) {
        std::vector<int32_t> p = sys;
        for (int32_t t : check::random_tokens(r, 3 + r.below(c), 1000)) p.push_back(t);
        const InsertResult ins = both_insert(p, p.size() - 1);
        const int n = static_cast<int>(p.size()) - ins.cached_tokens;
        for (int layer = 0; layer < cfg.n_layers; ++layer) {
          const auto k = check::random_floats(r, static_cast<size_t>(n) * kvd), v = check::random_floats(r, k.size());
          dev.store_kv_rows(ins.seq, ins.cached_tokens, n, layer, k.data(), v.data());
          cpu.store_kv_rows(ins.seq, ins.cached_tokens, n, layer, k.data(), v.data());
        }
        dev.mark_computed(ins.seq, static_cast<int32_t>(p.size()));
        cpu.mark_computed(ins.seq, static_cast<int32_t>(p.size()));
        decoding.push_back(ins.seq);
      }
      // This step: both decode one token; a third prompt finds the system prompt cached; a fourth
      // prefills its first piece.
      std::vector<int32_t> toks{r.below(1000), r.below(1000)};
      dev.append(decoding, toks);
      cpu.append(decoding, toks);
      std::vector<int32_t> third = sys;
      for (int32_t t : check::random_tokens(r, 1 + r.below(2 * c), 1000)) third.push_back(t);
      const InsertResult in3 = both_insert(third, third.size() - 1);
      const std::vector<int32_t> fourth = check::random_tokens(r, 3 * c, 1000);
      const InsertResult in4 = both_insert(fourth, 0);
      const int32_t piece = 1 + r.below(2 * c);
      Batch batch;
      for (size_t i = 0; i < decoding.size(); ++i) batch.add_decode(decoding[i], dev.seq_length(decoding[i]) - 1, toks[i]);
      batch.add_prefill(in3.seq, in3.cached_tokens, third.data() + in3.cached_tokens,
                        static_cast<int32_t>(third.size()) - in3.cached_tokens, true);
      batch.add_prefill(in4.seq, 0, fourth.data(), piece, false);

      const int T = batch.n_rows(), n_dec = batch.n_decode();
      DecodePlan plan;
      plan.set_segment_policy(cuda_segment_policy(dev.layout(), H, 1 + r.below(8)));
      for (int layer = 0; layer < cfg.n_layers; ++layer) {
        const auto k = check::random_floats(r, static_cast<size_t>(T) * kvd), v = check::random_floats(r, k.size());
        const auto q = check::random_floats(r, static_cast<size_t>(T) * qd, 2.f);
        // The CUDA backend's path.
        const PrefillRows rows = prefill_rows(dev, batch);
        CHECK_EQ(rows.rows.size(), static_cast<size_t>(T - n_dec));
        store_slots(dev, layer, rows, k.data(), v.data());
        const DecodeWorkList& work = plan.prepare(dev, batch.decode_seqs());
        const TppDevicePlan dp = build_tpp_device_plan(work, dev.layout(), H);
        tpp_host_append(dp, dev.layout(), words(dev), layer, work.seq_len, k.data(), v.data());
        std::vector<float> out(static_cast<size_t>(T) * qd, NAN);
        tpp_host_decode(dp, dev.layout(), words(dev), layer, H, work.seq_len, q.data(), out.data());
        for (const BatchSpan* s : rows.spans) {
          const TppDevicePlan pp = build_tpp_prefill_plan(dev.seq_chunks(s->seq), dev.layout(), H, s->pos0, s->n);
          tpp_host_prefill(pp, dev.layout(), words(dev), layer, H, s->pos0, q.data() + static_cast<size_t>(s->row0) * qd,
                           out.data() + static_cast<size_t>(s->row0) * qd);
        }
        // The mirror: every span through store_kv_rows, float64 attention.
        for (const BatchSpan& s : batch.spans())
          cpu.store_kv_rows(s.seq, s.pos0, s.n, layer, k.data() + static_cast<size_t>(s.row0) * kvd,
                            v.data() + static_cast<size_t>(s.row0) * kvd);
        std::vector<double> ref(out.size());
        reference_decode_attention(cpu, batch.decode_seqs(), layer, H, q.data(), ref.data());
        for (const BatchSpan& s : batch.spans())
          if (s.row0 >= n_dec)
            reference_prefill_attention(cpu, s.seq, layer, s.pos0, s.n, H, q.data() + static_cast<size_t>(s.row0) * qd,
                                        ref.data() + static_cast<size_t>(s.row0) * qd);
        CHECK(check::rms_rel(out.data(), ref.data(), out.size()) < (dtype == DType::F16 ? 1e-3 : 8e-3));
      }
      CHECK(same_kv(dev, cpu, batch));
    }
}

TEST_CASE("the step's slot table refuses positions outside a sequence's uncomputed range") {
  KvCacheConfig cfg;
  cfg.head_dim = 64, cfg.chunk_size = 16, cfg.dtype = DType::BF16;
  cfg.pool_bytes = cfg.layout().chunk_bytes() * 16;
  KvCache cache(cfg);
  Rng r(3);
  const std::vector<int32_t> p = check::random_tokens(r, 20);
  const SeqId s = cache.insert("t", p, 0).seq;
  cache.mark_computed(s, 10);
  Batch b;
  b.add_prefill(s, 5, p.data() + 5, 10, true);  // [5, 15) starts inside the computed part
  CHECK_THROWS_AS(prefill_rows(cache, b), CacheError);
  Batch past;
  past.add_prefill(s, 10, p.data(), 11, true);  // [10, 21) runs past the sequence's 20 tokens
  CHECK_THROWS_AS(prefill_rows(cache, past), CacheError);
}
