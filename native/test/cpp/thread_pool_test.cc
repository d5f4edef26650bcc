// The thread pool: every index runs exactly once, with waiting by spinning, by sleeping and by
// both in turn (jobs posted faster and slower than the spin); errors reach the caller; nested calls
// run inline; CHUNKSERVE_POOL_SPIN_US is read and a bad value ignored.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "common/thread_pool.h"
#include "test_random.h"

using namespace chunkserve;

static void check_runs_each_index_once(ThreadPool& pool, check::Rng& r, int jobs) {
  for (int j = 0; j < jobs; ++j) {
    const int64_t n = 1 + r.below(200);
    std::vector<std::atomic<int>> hits(n);
    std::atomic<int> bad_thread{0};
    pool.parallel_for(n, [&](int64_t i, int thread) {
      hits[i].fetch_add(1);
      if (thread < 0 || thread >= pool.size()) bad_thread.fetch_add(1);
    });
    for (int64_t i = 0; i < n; ++i) CHECK_EQ(hits[i].load(), 1);
    CHECK_EQ(bad_thread.load(), 0);
    // now and then a pause longer than the spin, so that the workers fall asleep before the next job
    if (r.chance(0.2)) std::this_thread::sleep_for(std::chrono::microseconds(r.below(400)));
  }
}

TEST_CASE("every index runs once, whether threads spin, sleep or both") {
  check::Rng r(7);
  for (int spin : {0, 1, 50, ThreadPool::kDefaultSpinUs})
    for (int threads : {2, 3, 5}) {
      ThreadPool pool(threads, spin);
      CHECK_EQ(pool.spin_us(), spin);
      check_runs_each_index_once(pool, r, 300);
    }
}

TEST_CASE("a task's exception reaches the caller and the pool keeps working") {
  for (int spin : {0, ThreadPool::kDefaultSpinUs}) {
    ThreadPool pool(2, spin);
    bool thrown = false;
    try {
      pool.parallel_for(64, [&](int64_t i, int) {
        if (i == 17) throw std::runtime_error("task 17");
      });
    } catch (const std::runtime_error& e) {
      thrown = std::string(e.what()) == "task 17";
    }
    CHECK(thrown);
    check::Rng r(3);
    check_runs_each_index_once(pool, r, 20);
  }
}

TEST_CASE("a nested parallel_for runs inline on the calling thread") {
  ThreadPool pool(2, ThreadPool::kDefaultSpinUs);
  std::vector<std::atomic<int>> hits(16 * 8);
  std::atomic<int> moved{0};
  pool.parallel_for(16, [&](int64_t i, int outer) {
    pool.parallel_for(8, [&](int64_t j, int inner) {
      hits[i * 8 + j].fetch_add(1);
      if (inner != outer) moved.fetch_add(1);
    });
  });
  for (auto& h : hits) CHECK_EQ(h.load(), 1);
  CHECK_EQ(moved.load(), 0);
}

TEST_CASE("CHUNKSERVE_POOL_SPIN_US sets the spin; a bad value keeps the default") {
  const struct {
    const char* value;
    int spin;
  } cases[] = {{"0", 0}, {"35", 35}, {"", ThreadPool::kDefaultSpinUs}, {"12abc", ThreadPool::kDefaultSpinUs},
               {"-4", ThreadPool::kDefaultSpinUs}, {"99999999", ThreadPool::kDefaultSpinUs}};
  for (const auto& c : cases) {
    setenv("CHUNKSERVE_POOL_SPIN_US", c.value, 1);
    ThreadPool pool(2);
    CHECK_EQ(pool.spin_us(), c.spin);
  }
  unsetenv("CHUNKSERVE_POOL_SPIN_US");
  ThreadPool pool(2);
  CHECK_EQ(pool.spin_us(), ThreadPool::kDefaultSpinUs);
  CHECK_EQ(ThreadPool(2, 9).spin_us(), 9);  // an explicit value wins over the environment
}
