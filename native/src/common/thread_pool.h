// A persistent pool of worker threads over all cores, shared by the attention kernels and the
// model runtime's matmuls.
//
// parallel_for hands out indices dynamically (an atomic counter), so uneven tasks balance; the
// calling thread works too, so a pool of N threads has N-1 workers. A parallel_for issued from
// inside a task (nested) runs serially on the calling thread rather than deadlocking.
//
// Waiting: a worker that finished polls the job generation for spin_us before it sleeps on a
// condition variable, and so does the caller waiting for the workers; between polls it yields
// the core (sched_yield), so that any other runnable thread runs first. Why: a model step is ~50
// parallel regions a few hundred microseconds apart; waking a sleeping thread costs ~25 us on a
// VM (a futex wake and an inter-processor interrupt), 10% of a 240 us region. Why yield and not
// a pause loop: on a 2-core machine Node's main thread (HTTP, token streams) needs a core too;
// pausing cost the API's load test a third of its tokens/s, yielding nothing (docs/benchmarks.md).
// Polling only within spin_us keeps an idle server idle.
#pragma once
#include <atomic>
#include <condition_variable>
#include <exception>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace chunkserve {

class ThreadPool {
 public:
  // n_threads counts the caller; <= 0 means one per core (std::thread::hardware_concurrency()).
  // spin_us < 0: CHUNKSERVE_POOL_SPIN_US, else kDefaultSpinUs.
  static constexpr int kDefaultSpinUs = 200;
  explicit ThreadPool(int n_threads = 0, int spin_us = -1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The process-wide pool (one thread per core), created on first use: for the JS KvCache's
  // attention and the benchmarks. The model runtime owns its own pool (its `threads` option).
  static ThreadPool& global();

  int size() const { return n_threads_; }
  int spin_us() const { return spin_us_; }

  // Runs fn(i, thread) for every i in [0, n); thread in [0, size()) names the executing thread
  // (index per-thread scratch with it). Returns when all calls finished; rethrows the first
  // exception a task threw. Only one parallel_for runs at a time (others wait).
  void parallel_for(int64_t n, const std::function<void(int64_t i, int thread)>& fn);

 private:
  void worker_loop(int thread);
  void run_tasks(int thread);
  // Polls done(), yielding between polls, until it holds or spin_us passed; true when it held.
  template <class Done>
  bool poll_until(Done done) const;

  int n_threads_;
  int spin_us_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // serialises parallel_for callers
  std::mutex mutex_;      // guards the sleeping side of the waits below and error_
  std::condition_variable wake_, done_;
  // The job: written under mutex_ before generation_ is bumped (release), read by workers after
  // they see the new generation (acquire).
  const std::function<void(int64_t, int)>* job_ = nullptr;
  int64_t job_n_ = 0;
  std::exception_ptr error_;
  alignas(64) std::atomic<uint64_t> generation_{0};  // bumped once per job
  alignas(64) std::atomic<int> active_{0};           // workers still in the current job
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<int64_t> next_{0};
};

}  // namespace chunkserve
