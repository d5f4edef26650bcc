// The continuous-batching scheduler: one native thread that owns the KV cache and the model and,
// every iteration, (1) applies cancellations, (2) appends the last sampled token of every decoding
// sequence (preempting the newest sequences when the pool is full: their chunks are freed and
// they are recomputed later), (3) admits waiting requests while the pool has chunks for them,
// (4) gives prompt tokens not found in the cache to at most prefill_chunk tokens of prefill pieces,
// (5) runs one forward step over all of it and samples. Events go to JavaScript through the sink.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "model/forward.h"
#include "runtime/request.h"

namespace chunkserve {

struct SchedulerConfig {
  int max_batch = 32;        // running sequences at most
  int prefill_chunk = 512;   // prompt tokens computed per iteration at most (long prompts in pieces)
  bool sharing = true;       // false: private namespace per sequence and baseline decode (for A/B)
  DecodeMethod decode_method = DecodeMethod::Tpp;
};

struct SchedulerStats {
  CacheCounters cache;
  int64_t running = 0, waiting = 0;
  uint64_t generated_tokens = 0, prompt_tokens = 0, computed_prompt_tokens = 0;
  uint64_t preemptions = 0, steps = 0, requests_finished = 0;
};

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;
  using EventSink = std::function<void(std::vector<RuntimeEvent>&&)>;

  // storage: the chunk pool's bytes (null = host memory), from the same device as backend.
  Scheduler(const ModelConfig& cfg, std::unique_ptr<ModelWeights> weights, const KvCacheConfig& kv,
            std::unique_ptr<ChunkStorage> storage, std::unique_ptr<ForwardBackend> backend,
            const SchedulerConfig& sc, EventSink sink);
  ~Scheduler();

  // Thread-safe. Throws std::invalid_argument for bad parameters (empty prompt, token ids
  // outside the vocabulary, a prompt longer than the context).
  void submit(int64_t id, GenerateParams params);
  // Computes the tokens' K/V under ns without generating, pins them; emits a Prewarmed event.
  void prewarm(int64_t id, const std::string& ns, std::vector<int32_t> tokens);
  // Ends the request's choices (choice < 0: all of them) with finish reason "cancelled".
  void cancel(int64_t id, int32_t choice = -1);
  size_t unpin(const std::string& ns, const std::vector<int32_t>& tokens);
  CacheSnapshot snapshot();
  SchedulerStats stats();
  const ModelConfig& config() const { return cfg_; }
  const SchedulerConfig& scheduler_config() const { return sc_; }
  void stop();

 private:
  struct Request;
  struct Unit;

  void loop();
  bool step();
  void intake();
  void admit();
  void preempt(Unit* u);
  void finish(Unit* u, const char* reason);
  void fail(Request* r, const std::string& message);
  void reap();  // drops requests whose every choice finished
  RuntimeEvent done_event(const Unit* u, const char* reason) const;
  void sample_into(Unit* u, float* logits_row);
  void fork_choices(Unit* parent, const float* logits_row);
  void complete_prewarm(Unit* u);
  std::string unit_namespace(const Unit* u) const;
  void remove_running(Unit* u);
  void validate_tokens(const std::vector<int32_t>& tokens, const char* what) const;

  ModelConfig cfg_;
  std::unique_ptr<ModelWeights> weights_;
  std::unique_ptr<KvCache> cache_;
  std::unique_ptr<Forward> forward_;
  SchedulerConfig sc_;
  EventSink sink_;
  DecodePlan plan_;

  // Guards the cache and the scheduler's state. Held while scheduling, not during the forward
  // pass (which only writes K/V rows of positions no other party reads).
  std::mutex mu_;
  std::unordered_map<int64_t, std::unique_ptr<Request>> requests_;
  std::deque<Unit*> waiting_;  // FIFO; preempted units go back to the front
  std::vector<Unit*> running_; // admission order
  SchedulerStats counters_;
  int64_t admit_counter_ = 0;
  int64_t private_ns_counter_ = 0;
  std::vector<RuntimeEvent> events_;  // produced under mu_, flushed after it is released

  // Inbox from JavaScript (submissions, cancellations) and the idle wait.
  std::mutex inbox_mu_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Request>> inbox_;
  std::vector<std::pair<int64_t, int32_t>> cancels_;  // (request, choice or -1)
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace chunkserve
