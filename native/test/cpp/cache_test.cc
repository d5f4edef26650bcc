// PAKV cache: sharing, copying, append/fork/remove, pinning, eviction and the strong guarantee,
// with check_invariants() after every operation of a long random run.
#include <algorithm>
#include <set>

#include "check.h"
#include "cache/prefix_hash.h"
#include "kv_world.h"

using namespace chunkserve;
using check::KvWorld;
using check::Rng;

namespace {

KvCacheConfig small_config(int chunk_size, size_t chunks, DType dtype = DType::F32) {
  KvCacheConfig c;
  c.n_layers = 2;
  c.n_kv_heads = 2;
  c.head_dim = 8;
  c.chunk_size = chunk_size;
  c.dtype = dtype;
  c.pool_bytes = c.layout().chunk_bytes() * chunks;
  return c;
}

}  // namespace

TEST_CASE("insert shares full computed chunks and copies the partial one") {
  Rng r(1);
  KvWorld w(small_config(4, 64));
  const auto sys = check::random_tokens(r, 10);  // 2 full chunks + 2 tokens
  const auto a = w.insert("t", sys);
  CHECK_EQ(a.cached_tokens, 0);
  auto longer = sys;
  longer.push_back(7);
  const auto b = w.insert("t", longer);
  CHECK_EQ(b.shared_tokens, 8);
  CHECK_EQ(b.copied_tokens, 2);
  CHECK_EQ(b.cached_tokens, 10);
  const auto other_ns = w.insert("u", longer);  // namespaces never share
  CHECK_EQ(other_ns.cached_tokens, 0);
  CHECK_EQ(w.cache.seq_chunks(a.seq)[0], w.cache.seq_chunks(b.seq)[0]);
  CHECK(w.cache.seq_chunks(a.seq)[0] != w.cache.seq_chunks(other_ns.seq)[0]);
  w.cache.check_invariants();
}

TEST_CASE("a full pool throws CacheFullError and leaves the cache unchanged") {
  Rng r(2);
  KvWorld w(small_config(4, 6));
  const auto a = w.insert("t", check::random_tokens(r, 12));  // 3 full chunks + empty tail = 4 chunks
  const auto before = w.cache.snapshot();
  CHECK_THROWS_AS(w.cache.insert("t", check::random_tokens(r, 12, 1000)), CacheFullError);
  const auto after = w.cache.snapshot();
  CHECK_EQ(before.chunks.size(), after.chunks.size());
  CHECK_EQ(before.version, after.version);
  CHECK_EQ(w.cache.seq_length(a.seq), 12);
  w.cache.check_invariants();
}

TEST_CASE("pinned prefixes survive eviction; unpinned ones are evicted least recently used first") {
  Rng r(3);
  KvWorld w(small_config(4, 12));
  const auto sys = check::random_tokens(r, 8);
  const auto a = w.insert("t", sys);
  w.remove(a.seq);
  CHECK_EQ(w.cache.pin("t", sys), 8u);
  for (int i = 0; i < 6; ++i) w.remove(w.insert("t", check::random_tokens(r, 8, 1000)).seq);  // churn
  CHECK_EQ(w.cache.lookup("t", sys), 8u);
  CHECK_EQ(w.cache.unpin("t", sys), 8u);
  CHECK_THROWS_AS(w.cache.unpin("t", sys), CacheError);
  w.cache.evict_all();
  CHECK_EQ(w.cache.lookup("t", sys), 0u);
  w.cache.check_invariants();
}

TEST_CASE("a pin covers its whole prompt, also when a longer prompt shares its tail chunk") {
  Rng r(4);
  KvWorld w(small_config(16, 32));
  const auto a = check::random_tokens(r, 21);  // 1 full chunk + a 5-token tail
  auto b = a;
  for (int i = 0; i < 8; ++i) b.push_back(r.below(1000));  // the same tail chunk, 13 tokens
  w.remove(w.insert("t", a).seq);
  CHECK_EQ(w.cache.pin("t", a), 21u);
  w.remove(w.insert("t", b).seq);  // copies a's 5 tokens into its own tail, computes 8 more
  CHECK_EQ(w.cache.pin("t", b), 29u);  // its own 13-token chunk, not a's pinned 5-token one
  w.cache.evict_all();
  CHECK_EQ(w.cache.lookup("t", b), 29u);  // both survive eviction
  CHECK_EQ(w.cache.unpin("t", a), 21u);
  CHECK_EQ(w.cache.lookup("t", b), 29u);  // unpinning a left b pinned
  CHECK_EQ(w.cache.unpin("t", b), 29u);
  CHECK_THROWS_AS(w.cache.unpin("t", b), CacheError);
  CHECK_EQ(w.cache.counters().pinned_chunks, 0u);
  w.cache.check_invariants();
}

TEST_CASE("random operations keep every invariant") {
  for (uint64_t seed = 10; seed < 22; ++seed) {
    Rng r(seed);
    const int c = r.pick(std::vector<int>{1, 3, 4, 16});
    KvWorld w(small_config(c, 24 + r.below(40), r.chance(0.5) ? DType::F16 : DType::F32));
    std::vector<std::vector<int32_t>> bases;
    for (int i = 0; i < 3; ++i) bases.push_back(check::random_tokens(r, r.below(5 * c + 1)));
    std::vector<SeqId> live;
    for (int op = 0; op < 200; ++op) {
      const double x = r.uniform();
      try {
        if (x < 0.3 || live.empty()) {
          auto p = bases[r.below(3)];
          p.resize(r.below(static_cast<int>(p.size()) + 1));
          for (int t = r.below(2 * c + 1); t > 0; --t) p.push_back(r.below(1000));
          if (p.empty()) p.push_back(1);
          live.push_back(w.insert(r.chance(0.8) ? "a" : "b", p).seq);
        } else if (x < 0.6) {
          std::vector<int32_t> toks(live.size());
          for (int32_t& t : toks) t = r.below(1000);
          w.append(live, toks);
        } else if (x < 0.75) {
          live.push_back(w.fork(r.pick(live)));
        } else if (x < 0.95) {
          const size_t i = r.below(static_cast<int>(live.size()));
          w.remove(live[i]);
          live.erase(live.begin() + i);
        } else {
          w.cache.evict_all();
        }
      } catch (const CacheFullError&) {
        if (!live.empty()) {  // make room as the scheduler would: preempt the newest
          w.remove(live.back());
          live.pop_back();
        }
      }
      w.cache.check_invariants();
    }
    const auto counters = w.cache.counters();
    CHECK_EQ(counters.live_sequences, live.size());
    CHECK_EQ(counters.used_chunks + counters.free_chunks, counters.capacity_chunks);
  }
}

TEST_CASE("cache events replay to the set of committed chunks, evictions and namespaces included") {
  for (uint64_t seed = 40; seed < 46; ++seed) {
    Rng r(seed);
    KvCacheConfig cfg = small_config(4, 20);
    cfg.record_events = true;
    KvWorld w(cfg);
    std::set<uint64_t> replayed;  // what a router rebuilds from the events
    std::vector<SeqId> live;
    const auto base = check::random_tokens(r, 14);
    for (int op = 0; op < 150; ++op) {
      try {
        if (live.empty() || r.chance(0.4)) {
          auto p = base;
          p.resize(r.below(15));
          for (int t = r.below(9); t > 0; --t) p.push_back(r.below(1000));
          if (p.empty()) p.push_back(3);
          live.push_back(w.insert(r.chance(0.7) ? "a" : "b", p).seq);
        } else if (r.chance(0.5)) {
          std::vector<int32_t> toks(live.size());
          for (int32_t& t : toks) t = r.below(1000);
          w.append(live, toks);
        } else {
          const size_t i = r.below(static_cast<int>(live.size()));
          w.remove(live[i]);
          live.erase(live.begin() + i);
        }
      } catch (const CacheFullError&) {
        w.remove(live.back());
        live.pop_back();
      }
      for (const CacheEvent& e : w.cache.drain_events()) {
        if (e.kind == CacheEvent::Kind::Stored) {
          CHECK(e.tokens.size() == 4u);
          CHECK(e.parent_hash == 0 || replayed.count(e.parent_hash) == 1);  // parents come first
          replayed.insert(e.hash);
        } else {
          CHECK(replayed.erase(e.hash) == 1);
        }
      }
      std::set<uint64_t> committed;
      for (const CacheChunk& c : w.cache.snapshot().chunks)
        if (c.n_computed == 4) committed.insert(c.hash);  // full and computed
      CHECK(committed == replayed);
    }
    CHECK(w.cache.counters().evictions > 0);
  }
}

TEST_CASE("equal prefixes hash equal in a namespace and differently across namespaces") {
  Rng r(47);
  KvCacheConfig cfg = small_config(4, 32);
  cfg.record_events = true;
  KvWorld w(cfg);
  const auto p = check::random_tokens(r, 9);
  w.insert("a", p);
  w.insert("b", p);
  auto ev = w.cache.drain_events();
  REQUIRE(ev.size() == 4u);  // two full chunks in each namespace
  CHECK(ev[0].hash != ev[2].hash);
  KvWorld other(cfg);  // another replica
  other.insert("a", p);
  auto ev2 = other.cache.drain_events();
  REQUIRE(ev2.size() == 2u);
  CHECK_EQ(ev2[0].hash, ev[0].hash);
  CHECK_EQ(ev2[1].hash, ev[1].hash);
  CHECK_EQ(ev2[1].parent_hash, ev2[0].hash);
}

TEST_CASE("prefix_chunk_hashes finds a sequence's chunks in the snapshot, the filling tail included") {
  for (int n : {1, 3, 4, 5, 8, 11}) {
    Rng r(60 + n);
    KvWorld w(small_config(4, 32));
    const auto p = check::random_tokens(r, n);
    const SeqId seq = w.insert("t", p).seq;
    const std::vector<uint64_t> want = prefix_chunk_hashes("t", p, 4);
    REQUIRE(want.size() == static_cast<size_t>((n + 3) / 4));
    std::vector<uint64_t> got;
    const CacheSnapshot snap = w.cache.snapshot();
    for (ChunkId id : w.cache.seq_chunks(seq))
      for (const CacheChunk& c : snap.chunks)
        if (c.id == id && c.hash != 0) got.push_back(c.hash);  // an empty tail has no hash
    CHECK(got == want);
    CHECK(prefix_chunk_hashes("u", p, 4) != want);  // another namespace
  }
}
