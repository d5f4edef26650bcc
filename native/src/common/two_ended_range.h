// A range of work items [begin, end) that two threads consume from opposite ends, one item at a
// time, until they meet: one takes begin, begin + 1, ... and the other end - 1, end - 2, ...
//
// Why: each thread's next item is the neighbour of its current one, so it can start fetching the
// next item's data early (the decode GEMM prefetches the next panel group into L2, model/gemm.cc;
// decode attention's phase 2 the next task's first chunk, attention/decode_attention.cc), and the
// two still finish together, however unevenly they run, without a fixed split.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>

#include "common/thread_pool.h"

namespace chunkserve {

class TwoEndedRange {
 public:
  void reset(uint32_t begin, uint32_t end) { ends_.store(pack(begin, end), std::memory_order_relaxed); }

  // Takes the next item from the front (from_back false) or the back; -1 when none is left.
  int64_t take(bool from_back) {
    uint64_t cur = ends_.load(std::memory_order_relaxed);
    for (;;) {
      const uint32_t front = front_of(cur), back = back_of(cur);
      if (front >= back) return -1;
      const uint64_t next = from_back ? pack(front, back - 1) : pack(front + 1, back);
      if (ends_.compare_exchange_weak(cur, next, std::memory_order_relaxed)) return from_back ? back - 1 : front;
    }
  }

  // Whether item i is still there to take (a hint: the other thread may take it at any time).
  bool holds(int64_t i) const {
    const uint64_t cur = ends_.load(std::memory_order_relaxed);
    return i >= front_of(cur) && i < back_of(cur);
  }

 private:
  static uint64_t pack(uint32_t front, uint32_t back) { return static_cast<uint64_t>(back) << 32 | front; }
  static uint32_t front_of(uint64_t v) { return static_cast<uint32_t>(v); }
  static uint32_t back_of(uint64_t v) { return static_cast<uint32_t>(v >> 32); }

  // Why one word: taking from either end is one compare-and-swap, and the two ends can never
  // cross (front <= back always holds).
  alignas(64) std::atomic<uint64_t> ends_{0};  // front in the low 32 bits, back in the high
};

// Runs fn(i, next) for every item i in [0, n) on the pool's threads: the items split into one
// range per pair of threads, each range consumed from its two ends (one thread alone on the last
// range for an odd thread count); a thread whose range is empty helps the others from their
// fronts. next: the item this thread takes after i unless another takes it first (i's neighbour
// in this thread's direction, still there when i starts), or -1; fn may start fetching its data.
template <class Fn>
void for_each_two_ended(ThreadPool& pool, int64_t n, Fn&& fn) {
  const int n_threads = pool.size(), n_ranges = (n_threads + 1) / 2;
  std::unique_ptr<TwoEndedRange[]> ranges(new TwoEndedRange[n_ranges]);
  for (int r = 0; r < n_ranges; ++r)
    ranges[r].reset(static_cast<uint32_t>(n * 2 * r / n_threads),
                    static_cast<uint32_t>(n * std::min(2 * r + 2, n_threads) / n_threads));
  const auto drain = [&](TwoEndedRange& range, bool from_back) {
    for (int64_t i; (i = range.take(from_back)) >= 0;) {
      const int64_t after = from_back ? i - 1 : i + 1;
      fn(i, range.holds(after) ? after : int64_t{-1});
    }
  };
  pool.parallel_for(n_threads, [&](int64_t role, int) {
    const int r = static_cast<int>(role / 2);
    drain(ranges[r], role % 2 == 1);
    for (int o = 1; o < n_ranges; ++o) drain(ranges[(r + o) % n_ranges], false);
  });
}

}  // namespace chunkserve
