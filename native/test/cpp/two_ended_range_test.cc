// TwoEndedRange: two threads taking from opposite ends get every item exactly once, each in its
// own order (front ascending, back descending), and holds() tells what is left; for_each_two_ended
// runs every item once on pools of any size.
#include <atomic>
#include <thread>
#include <vector>

#include "check.h"
#include "common/two_ended_range.h"
#include "test_random.h"

using namespace chunkserve;

TEST_CASE("one thread: the front ascends, the back descends, and they meet") {
  TwoEndedRange r;
  r.reset(3, 8);
  CHECK(r.holds(3));
  CHECK(!r.holds(8));
  CHECK_EQ(r.take(false), 3);
  CHECK_EQ(r.take(true), 7);
  CHECK_EQ(r.take(true), 6);
  CHECK(!r.holds(3));
  CHECK(!r.holds(7));
  CHECK(r.holds(5));
  CHECK_EQ(r.take(false), 4);
  CHECK_EQ(r.take(false), 5);
  CHECK_EQ(r.take(false), -1);
  CHECK_EQ(r.take(true), -1);
  r.reset(2, 2);  // empty
  CHECK_EQ(r.take(false), -1);
  CHECK(!r.holds(2));
}

TEST_CASE("two threads from opposite ends take every item once, each in its order") {
  check::Rng rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const uint32_t begin = static_cast<uint32_t>(rng.below(50)), n = static_cast<uint32_t>(rng.below(3000));
    TwoEndedRange r;
    r.reset(begin, begin + n);
    std::vector<std::atomic<int>> hits(n);
    std::atomic<int> out_of_order{0};
    auto consume = [&](bool from_back) {
      int64_t last = from_back ? begin + n : static_cast<int64_t>(begin) - 1;
      for (int64_t i; (i = r.take(from_back)) >= 0;) {
        if (from_back ? i >= last : i <= last) out_of_order.fetch_add(1);
        last = i;
        hits[i - begin].fetch_add(1);
      }
    };
    std::thread back(consume, true);
    consume(false);
    back.join();
    for (uint32_t i = 0; i < n; ++i) CHECK_EQ(hits[i].load(), 1);
    CHECK_EQ(out_of_order.load(), 0);
  }
}

TEST_CASE("for_each_two_ended runs every item once on any pool, and next is a neighbour or -1") {
  check::Rng rng(5);
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    for (int trial = 0; trial < 50; ++trial) {
      const int64_t n = rng.below(300);
      std::vector<std::atomic<int>> hits(n);
      std::atomic<int> bad_next{0};
      for_each_two_ended(pool, n, [&](int64_t i, int64_t next) {
        hits[i].fetch_add(1);
        if (next != -1 && next != i - 1 && next != i + 1) bad_next.fetch_add(1);
        if (next >= n || next < -1) bad_next.fetch_add(1);
      });
      for (int64_t i = 0; i < n; ++i) CHECK_EQ(hits[i].load(), 1);
      CHECK_EQ(bad_next.load(), 0);
    }
  }
}
