// The continuous-batching scheduler: one native thread that owns the KV cache, the model and its
// backend, and every iteration (1) takes what JavaScript posted to its inbox (requests,
// cancellations, pauses, unpins, snapshots), (2) appends the last sampled token of every decoding
// sequence (preempting the newest sequences when the pool is full: their chunks are freed and
// they are recomputed later), (3) admits waiting requests while the pool has chunks for them,
// fairly across admission lanes (tenants; runtime/fair_queue.h: weighted round robin, an optional
// cap on each lane's running sequences; a request's lane is its namespace unless it names one), (4) gives prompt tokens not found in the cache to at most
// prefill_chunk tokens of prefill spans, (5) builds one Batch of all of it, runs one forward step
// and samples. A paused request (its consumer fell behind) keeps its sequences but computes
// nothing until resumed.
//
// Thread contract: the cache, the requests and the batch are touched by the scheduler thread
// only. Every public method may be called from any thread: it only posts to the inbox (answered
// by events through the sink, on the scheduler thread) or, for stats(), reads the copy the
// scheduler thread publishes after each iteration.
#pragma once
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

#include "common/coded_error.h"
#include "model/forward.h"
#include "runtime/fair_queue.h"
#include "runtime/request.h"

namespace chunkserve {

struct SchedulerConfig {
  int max_batch = 32;        // running sequences at most
  int prefill_chunk = 512;   // prompt tokens computed per iteration at most (long prompts in pieces)
  bool sharing = true;       // false: private namespace per sequence and baseline decode (for A/B)
  DecodeMethod decode_method = DecodeMethod::Tpp;
  int max_running_per_namespace = 0;  // running sequences of one admission lane (tenant) at most (0: no cap)
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

  // The chunk pool is made by the backend (host or device memory) with kv's layout and size.
  // Throws std::invalid_argument for a bad config, CacheError when the pool holds no chunk.
  Scheduler(const ModelConfig& cfg, std::unique_ptr<ModelWeights> weights, const KvCacheConfig& kv,
            std::unique_ptr<Backend> backend, const SchedulerConfig& sc, EventSink sink);
  ~Scheduler();

  // Throws std::invalid_argument for bad parameters (empty prompt, token ids outside the
  // vocabulary, a prompt longer than the context) and CodedError ERR_PROMPT_TOO_LARGE for a
  // prompt the whole pool could never hold. Events: Token..., then Done per choice, or Error.
  void submit(int64_t id, GenerateParams params);
  // Computes the tokens' K/V under ns without generating and pins them. Event: Prewarmed or Error.
  // Throws as submit.
  void prewarm(int64_t id, const std::string& ns, std::vector<int32_t> tokens);
  // Undoes one pin of the prefix. Event: Unpinned, or Error when it is not pinned.
  void unpin(int64_t id, const std::string& ns, std::vector<int32_t> tokens);
  // Event: Snapshot of the chunk tree (only namespace ns unless it is empty).
  void snapshot(int64_t id, const std::string& ns);
  // Ends the request's choices (choice < 0: all of them) with finish reason "cancelled".
  void cancel(int64_t id, int32_t choice = -1);
  // A paused request computes nothing (its sequences and chunks stay) until resumed.
  void pause(int64_t id, bool paused);
  // Admission share of a lane: `weight` requests per round-robin turn (default 1).
  void set_weight(const std::string& lane, int weight);
  // As published after the scheduler thread's last iteration.
  SchedulerStats stats() const;

  const ModelConfig& config() const { return cfg_; }
  const SchedulerConfig& scheduler_config() const { return sc_; }
  int32_t chunk_size() const { return chunk_size_; }  // tokens per KV chunk
  const Backend& backend() const { return *backend_; }
  void stop();

 private:
  struct Request;
  struct Unit;
  struct CacheCommand {  // unpin or snapshot, answered in arrival order
    enum class Kind { Unpin, Snapshot } kind;
    int64_t id;
    std::string ns;
    std::vector<int32_t> tokens;
  };
  struct Control {  // pause/resume a request, or weigh a namespace
    enum class Kind { Pause, Weight } kind;
    int64_t id;
    bool paused;
    std::string ns;
    int weight;
  };

  void loop();
  bool step();
  void intake();
  void run_cache_command(const CacheCommand& c);
  void append_decoding(std::vector<Unit*>& decoding);
  void admit();
  void plan_prefill(std::vector<Unit*>& prefilling, std::vector<int32_t>& lengths);
  void preempt(Unit* u);
  void finish(Unit* u, const char* reason);
  void fail(Request* r, const std::string& message, const char* code);
  void fail_all(const std::string& message);
  void reap();  // drops requests whose every choice finished
  RuntimeEvent done_event(const Unit* u, const char* reason) const;
  void sample_into(Unit* u, float* logits_row);
  void fork_choices(Unit* parent, const float* logits_row);
  void complete_prewarm(Unit* u);
  std::string unit_namespace(const Unit* u) const;
  void remove_running(Unit* u);
  void validate_tokens(const std::vector<int32_t>& tokens, const char* what) const;
  bool waits_for_prefill(const Unit* u) const;
  int running_in(const std::string& lane) const;  // running units of the admission lane
  template <class F>
  void post_inbox(F&& add);
  void post(std::unique_ptr<Request> r);
  void publish_stats();

  // ---- owned by the scheduler thread ---------------------------------------------------------
  ModelConfig cfg_;
  std::unique_ptr<ModelWeights> weights_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<KvCache> cache_;
  std::unique_ptr<Forward> forward_;
  SchedulerConfig sc_;
  EventSink sink_;
  DecodePlan plan_;
  Batch batch_;
  std::unordered_map<int64_t, std::unique_ptr<Request>> requests_;
  FairQueue<Unit*> waiting_;   // per namespace FIFOs; preempted units go back to their front
  std::vector<Unit*> running_; // admission order
  SchedulerStats counters_;
  int64_t private_ns_counter_ = 0;
  std::vector<RuntimeEvent> events_;  // flushed to the sink after each iteration

  // ---- shared with the callers ----------------------------------------------------------------
  std::mutex inbox_mu_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Request>> inbox_;
  std::vector<std::pair<int64_t, int32_t>> cancels_;  // (request, choice or -1)
  std::vector<CacheCommand> cache_commands_;
  std::vector<Control> controls_;
  bool stopping_ = false;
  // Of the pool, immutable (read by submit on the callers' threads).
  const int64_t capacity_chunks_;
  const int32_t chunk_size_;
  mutable std::mutex stats_mu_;
  SchedulerStats published_;
  std::thread thread_;
};

}  // namespace chunkserve
