// The scheduler over a tiny in-memory model: greedy output does not depend on sharing, batching
// or preemption; and callers on other threads (submit, unpin, snapshot, stats, cancel) only talk
// to it through its inbox while it generates (run under ThreadSanitizer to see races).
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "check.h"
#include "model/backend.h"
#include "runtime/scheduler.h"
#include "tiny_model.h"

using namespace chunkserve;
using check::Rng;
using check::TinyModel;

namespace {

// Collects the scheduler's events (the sink runs on the scheduler thread).
struct Collector {
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, std::vector<int32_t>> tokens;  // request id -> generated tokens (choice 0)
  std::map<int64_t, std::vector<RuntimeEvent>> endings;
  std::vector<int64_t> finish_order;               // request ids in the order their first Done came
  std::function<void()> on_batch;                  // called on the scheduler thread after each batch

  Scheduler::EventSink sink() {
    return [this](std::vector<RuntimeEvent>&& events) {
      std::lock_guard<std::mutex> lk(mu);
      for (RuntimeEvent& e : events) {
        if (e.kind == EventKind::Token && e.choice == 0) tokens[e.request_id].push_back(e.token);
        if (e.kind == EventKind::Token) continue;
        if (endings[e.request_id].empty()) finish_order.push_back(e.request_id);
        endings[e.request_id].push_back(std::move(e));
      }
      if (on_batch) on_batch();
      cv.notify_all();
    };
  }
  // Waits until every id has `n` ending events.
  bool wait(const std::vector<int64_t>& ids, size_t n = 1) {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, std::chrono::seconds(60), [&] {
      for (int64_t id : ids)
        if (endings[id].size() < n) return false;
      return true;
    });
  }
};

struct Runtime {
  TinyModel model;
  Collector events;
  std::unique_ptr<Scheduler> sched;

  Runtime(uint64_t seed, bool sharing, size_t pool_chunks, int max_batch = 32, int per_namespace = 0) : model(seed) {
    KvCacheConfig kv;
    kv.n_layers = model.config.n_layers;
    kv.n_kv_heads = model.config.n_kv_heads;
    kv.head_dim = model.config.head_dim;
    kv.chunk_size = 8;
    kv.pool_bytes = kv.layout().chunk_bytes() * pool_chunks;
    SchedulerConfig sc;
    sc.sharing = sharing;
    sc.max_batch = max_batch;
    sc.prefill_chunk = 24;  // long prompts go in pieces
    sc.max_running_per_namespace = per_namespace;
    sched = std::make_unique<Scheduler>(model.config, model.weights(), kv, make_cpu_backend(model.config, 2), sc,
                                        events.sink());
  }
  void greedy(int64_t id, const std::vector<int32_t>& prompt, int max_tokens, const std::string& ns = "t", int n = 1) {
    GenerateParams p;
    p.ns = ns;
    p.prompt = prompt;
    p.max_tokens = max_tokens;
    p.n = n;
    p.sampling.temperature = 0;
    sched->submit(id, std::move(p));
  }
};

std::vector<std::vector<int32_t>> shared_prompts(Rng& r, int n) {
  const auto system = check::random_tokens(r, 40, 97);
  std::vector<std::vector<int32_t>> out;
  for (int i = 0; i < n; ++i) {
    auto p = system;
    for (int t = r.below(12) + 1; t > 0; --t) p.push_back(r.below(97));
    out.push_back(p);
  }
  return out;
}

}  // namespace

TEST_CASE("greedy output does not depend on sharing, batching or preemption") {
  Rng r(1);
  const auto prompts = shared_prompts(r, 8);
  const int max_tokens = 24;
  std::vector<std::vector<int32_t>> alone;  // each prompt on its own runtime
  for (size_t i = 0; i < prompts.size(); ++i) {
    Runtime rt(42, true, 256);
    rt.greedy(1, prompts[i], max_tokens);
    REQUIRE(rt.events.wait({1}));
    alone.push_back(rt.events.tokens[1]);
    CHECK_EQ(alone.back().size(), static_cast<size_t>(max_tokens));
  }
  struct Setting {
    bool sharing;
    size_t pool_chunks;
  };
  // 14 chunks of 8 cannot hold 8 sequences of ~70 tokens: the newest are preempted and recomputed.
  for (const Setting s : {Setting{true, 256}, Setting{false, 256}, Setting{true, 14}}) {
    Runtime rt(42, s.sharing, s.pool_chunks);
    std::vector<int64_t> ids;
    for (size_t i = 0; i < prompts.size(); ++i) {
      rt.greedy(static_cast<int64_t>(i + 1), prompts[i], max_tokens);
      ids.push_back(static_cast<int64_t>(i + 1));
    }
    REQUIRE(rt.events.wait(ids));
    for (size_t i = 0; i < prompts.size(); ++i) CHECK(rt.events.tokens[ids[i]] == alone[i]);
    if (s.pool_chunks == 14) CHECK(rt.sched->stats().preemptions > 0);
    const SchedulerStats st = rt.sched->stats();
    CHECK_EQ(st.cache.live_sequences, 0u);
    CHECK_EQ(st.running, 0);
  }
}

TEST_CASE("other threads reach the cache only through the inbox while the scheduler generates") {
  Rng r(2);
  Runtime rt(7, true, 512);
  const auto system = check::random_tokens(r, 40, 97);
  rt.sched->prewarm(1000, "t", system);
  REQUIRE(rt.events.wait({1000}));
  CHECK(rt.events.endings[1000][0].kind == EventKind::Prewarmed);
  CHECK_EQ(rt.events.endings[1000][0].resident_tokens, 40);

  std::atomic<bool> done{false};
  std::atomic<int64_t> next_id{2000};
  std::vector<int64_t> probe_ids;
  std::mutex probe_mu;
  auto probe = [&](int which) {
    while (!done) {
      const int64_t id = next_id++;
      if (which == 0) rt.sched->snapshot(id, "t");
      else rt.sched->unpin(id, "t", {1, 2, 3});  // never pinned: an Error event
      (void)rt.sched->stats();
      {
        std::lock_guard<std::mutex> lk(probe_mu);
        probe_ids.push_back(id);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  };
  std::thread a(probe, 0), b(probe, 1);
  std::vector<int64_t> ids;
  for (int i = 0; i < 16; ++i) {
    auto p = system;
    for (int t = r.below(10) + 1; t > 0; --t) p.push_back(r.below(97));
    rt.greedy(i + 1, p, 16);
    ids.push_back(i + 1);
    if (i == 5) rt.sched->cancel(3);
  }
  const bool finished = rt.events.wait(ids);
  done = true;
  a.join();
  b.join();
  REQUIRE(finished);
  REQUIRE(rt.events.wait(probe_ids));
  for (int64_t id : probe_ids) {
    const RuntimeEvent& e = rt.events.endings[id][0];
    CHECK(e.kind == EventKind::Snapshot || (e.kind == EventKind::Error && e.message.find("not cached") != std::string::npos));
    if (e.kind == EventKind::Snapshot) {
      CHECK(!e.snapshot->chunks.empty());
      for (const CacheChunk& c : e.snapshot->chunks) CHECK(c.ref_count >= 0 && c.n_computed <= c.n_tokens);
    }
  }
  for (int64_t id : ids) CHECK(rt.events.endings[id][0].kind == EventKind::Done);
  // The pinned prompt is still pinned; unpinning it once works, twice is an error.
  rt.sched->unpin(5000, "t", system);
  rt.sched->unpin(5001, "t", system);
  REQUIRE(rt.events.wait({5000, 5001}));
  CHECK(rt.events.endings[5000][0].kind == EventKind::Unpinned);
  CHECK_EQ(rt.events.endings[5000][0].tokens, 40);
  CHECK(rt.events.endings[5001][0].kind == EventKind::Error);
  const SchedulerStats st = rt.sched->stats();
  CHECK_EQ(st.cache.live_sequences, 0u);
  CHECK_EQ(st.cache.pinned_chunks, 0u);
}

TEST_CASE("a small tenant's request is served during another tenant's burst (round robin admission)") {
  Rng r(3);
  Runtime rt(11, true, 512, /*max_batch=*/4);
  std::vector<int64_t> burst;
  for (int i = 0; i < 24; ++i) {  // tenant a: 24 requests of 2 choices, 24 tokens each
    rt.greedy(i + 1, check::random_tokens(r, 20, 97), 24, "a", 2);
    burst.push_back(i + 1);
  }
  rt.greedy(100, check::random_tokens(r, 20, 97), 1, "b");
  REQUIRE(rt.events.wait({100}));
  REQUIRE(rt.events.wait(burst, 2));
  const auto& order = rt.events.finish_order;
  const size_t b_at = std::find(order.begin(), order.end(), 100) - order.begin();
  // FIFO would serve b after all 24 of a; round robin admits it at the first free slot.
  CHECK(b_at <= 4);
}

TEST_CASE("a namespace never runs more sequences than its cap") {
  Rng r(4);
  Runtime rt(12, true, 512, /*max_batch=*/8, /*per_namespace=*/3);
  std::atomic<int64_t> most{0};
  rt.events.on_batch = [&] { most = std::max<int64_t>(most, rt.sched->stats().running); };
  std::vector<int64_t> ids;
  for (int i = 0; i < 10; ++i) {
    rt.greedy(i + 1, check::random_tokens(r, 12, 97), 8, "a");
    ids.push_back(i + 1);
  }
  REQUIRE(rt.events.wait(ids));
  CHECK(most <= 3);
  CHECK(most >= 1);
}

TEST_CASE("a paused request computes nothing until resumed; others run meanwhile") {
  Rng r(5);
  Runtime rt(13, true, 512);
  rt.greedy(1, check::random_tokens(r, 12, 97), 20);
  rt.sched->pause(1, true);
  rt.greedy(2, check::random_tokens(r, 12, 97), 20);
  REQUIRE(rt.events.wait({2}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard<std::mutex> lk(rt.events.mu);
    CHECK(rt.events.tokens[1].size() <= 1);  // at most the token sampled before the pause arrived
    CHECK(rt.events.endings[1].empty());
  }
  CHECK_EQ(rt.sched->stats().running, 1);  // it keeps its sequence
  rt.sched->pause(1, false);
  REQUIRE(rt.events.wait({1}));
  CHECK_EQ(rt.events.tokens[1].size(), 20u);
}

TEST_CASE("a prompt the whole pool could never hold is refused at once; one that does not fit now fails with ERR_CACHE_FULL") {
  Rng r(6);
  Runtime rt(14, true, 6);  // 6 chunks of 8 tokens
  GenerateParams p;
  p.ns = "t";
  p.prompt = check::random_tokens(r, 48, 97);  // 6 chunks + a tail
  bool coded = false;
  try {
    rt.sched->submit(1, p);
  } catch (const CodedError& e) {
    coded = std::string(e.code()) == kErrPromptTooLarge;
  }
  CHECK(coded);
  // Pin 4 chunks; a 3-chunk prewarm then fits nowhere: an error event, not a hang.
  rt.sched->prewarm(2, "t", check::random_tokens(r, 32, 97));
  REQUIRE(rt.events.wait({2}));
  CHECK(rt.events.endings[2][0].kind == EventKind::Prewarmed);
  rt.sched->prewarm(3, "t", check::random_tokens(r, 24, 97));
  REQUIRE(rt.events.wait({3}));
  CHECK(rt.events.endings[3][0].kind == EventKind::Error);
  CHECK_EQ(rt.events.endings[3][0].error_code, std::string(kErrCacheFull));
}
