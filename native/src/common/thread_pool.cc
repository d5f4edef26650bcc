#include "common/thread_pool.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace chunkserve {

// Set while a thread executes a pool task, so nested parallel_for calls run inline on it (with
// its own thread index).
static thread_local bool tls_in_task = false;
static thread_local int tls_thread = 0;

static int default_threads() {
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

// CHUNKSERVE_POOL_SPIN_US: microseconds a waiting pool thread polls before it sleeps (0: sleep at
// once). A value that is not a whole number in [0, 1000000] is reported and the default kept.
static int spin_us_from_env() {
  const char* env = std::getenv("CHUNKSERVE_POOL_SPIN_US");
  if (env == nullptr || *env == '\0') return ThreadPool::kDefaultSpinUs;
  char* end = nullptr;
  const long v = std::strtol(env, &end, 10);
  if (*end != '\0' || v < 0 || v > 1000000) {
    std::fprintf(stderr, "chunkserve: CHUNKSERVE_POOL_SPIN_US=\"%s\" ignored (a whole number of microseconds, 0-1000000 expected)\n", env);
    return ThreadPool::kDefaultSpinUs;
  }
  return static_cast<int>(v);
}

ThreadPool::ThreadPool(int n_threads, int spin_us)
    : n_threads_(n_threads > 0 ? n_threads : default_threads()), spin_us_(spin_us >= 0 ? spin_us : spin_us_from_env()) {
  workers_.reserve(n_threads_ - 1);
  for (int t = 1; t < n_threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool;
  return pool;
}

template <class Done>
bool ThreadPool::poll_until(Done done) const {
  if (spin_us_ == 0) return done();
  using Clock = std::chrono::steady_clock;
  const Clock::time_point until = Clock::now() + std::chrono::microseconds(spin_us_);
  for (;;) {
    // Yield, not pause: another runnable thread (Node's main thread, with HTTP and token streams to
    // serve) gets the core at once. Pausing instead cost the API's load test a third of its tokens/s.
    for (int i = 0; i < 16; ++i) {  // the clock only every 16 polls
      if (done()) return true;
      std::this_thread::yield();
    }
    if (Clock::now() >= until) return done();
  }
}

void ThreadPool::run_tasks(int thread) {
  tls_in_task = true;
  tls_thread = thread;
  for (;;) {
    const int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= job_n_) break;
    try {
      (*job_)(i, thread);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
      next_.store(job_n_, std::memory_order_relaxed);  // stop handing out work
    }
  }
  tls_in_task = false;
}

void ThreadPool::worker_loop(int thread) {
  uint64_t seen = 0;
  const auto posted = [&] { return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen; };
  for (;;) {
    if (!poll_until(posted)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, posted);
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    run_tasks(thread);
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // The caller may be asleep in done_.wait: taking the mutex orders this wake after its check.
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int)>& fn) {
  if (n <= 0) return;
  if (tls_in_task || n_threads_ == 1 || n == 1) {
    // nested call or nothing to split: run here, under the caller's thread index
    const int thread = tls_in_task ? tls_thread : 0;
    for (int64_t i = 0; i < n; ++i) fn(i, thread);
    return;
  }
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_n_ = n;
    next_.store(0, std::memory_order_relaxed);
    error_ = nullptr;
    active_.store(n_threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();  // no system call when every worker is still polling
  run_tasks(0);
  const auto finished = [&] { return active_.load(std::memory_order_acquire) == 0; };
  if (!poll_until(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
  std::exception_ptr err;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = nullptr;
    err = error_;
    error_ = nullptr;
  }
  if (err) std::rethrow_exception(err);
}

}  // namespace chunkserve
