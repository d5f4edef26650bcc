#include "runtime/scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace chunkserve {

struct Scheduler::Unit {
  enum class State { Waiting, Prefilling, Decoding, Finished };
  Request* req = nullptr;
  int32_t choice = 0;
  State state = State::Waiting;
  SeqId seq = -1;
  std::string ns;                 // namespace of the current cache sequence
  std::vector<int32_t> tokens;    // prompt + generated; the last one may still await its K/V
  int32_t computed = 0;           // leading tokens whose K/V are in the cache
  int32_t generated = 0;
  std::unique_ptr<Sampler> sampler;
};

struct Scheduler::Request {
  int64_t id = 0;
  GenerateParams p;
  bool prewarm = false;
  bool paused = false;           // its consumer fell behind: compute nothing until resumed
  bool forked = false;           // choices 1..n-1 exist
  bool counted_cached = false;   // cached_tokens taken from the first admission
  int32_t cached_tokens = 0;
  int32_t unfinished = 0;
  Clock::time_point arrival, admitted, first_token;
  bool has_admitted = false, has_first_token = false;
  std::vector<std::unique_ptr<Unit>> units;  // [n]
};

static double ms_between(Scheduler::Clock::time_point a, Scheduler::Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

Scheduler::Scheduler(const ModelConfig& cfg, std::unique_ptr<ModelWeights> weights, const KvCacheConfig& kv,
                     std::unique_ptr<Backend> backend, const SchedulerConfig& sc, EventSink sink)
    : cfg_(cfg),
      weights_(std::move(weights)),
      backend_(std::move(backend)),
      sc_(sc),
      sink_(std::move(sink)),
      plan_(sc.sharing ? sc.decode_method : DecodeMethod::Baseline),
      capacity_chunks_(kv.layout().chunk_bytes() > 0 ? static_cast<int64_t>(kv.pool_bytes / kv.layout().chunk_bytes()) : 0),
      chunk_size_(kv.chunk_size) {
  if (sc_.max_batch < 1) throw std::invalid_argument("maxBatch must be at least 1");
  if (sc_.prefill_chunk < 1) throw std::invalid_argument("prefillChunk must be at least 1");
  if (sc_.max_running_per_namespace < 0) throw std::invalid_argument("maxRunningPerNamespace must be >= 0");
  if (kv.pool_bytes < kv.layout().chunk_bytes())
    throw std::invalid_argument("kvCacheBytes (" + std::to_string(kv.pool_bytes) + ") is smaller than one chunk (" +
                                std::to_string(kv.layout().chunk_bytes()) + " bytes)");
  cache_ = std::make_unique<KvCache>(kv, backend_->make_chunk_storage(kv.layout(), kv.pool_bytes));
  backend_->load_weights(*weights_);  // the CPU backend packs them for its GEMM
  forward_ = std::make_unique<Forward>(cfg_, *weights_, *backend_);
  publish_stats();
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::validate_tokens(const std::vector<int32_t>& tokens, const char* what) const {
  if (tokens.empty()) throw std::invalid_argument(std::string(what) + " must not be empty");
  for (int32_t t : tokens)
    if (t < 0 || t >= cfg_.vocab)
      throw std::invalid_argument(std::string(what) + " holds token id " + std::to_string(t) +
                                  " outside the vocabulary [0, " + std::to_string(cfg_.vocab) + ")");
  if (static_cast<int64_t>(tokens.size()) >= cfg_.max_positions)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(tokens.size()) +
                                " tokens; the model's context is " + std::to_string(cfg_.max_positions));
  // The prompt's chunks plus a tail for the first generated token: more than the whole pool can
  // never be admitted, whatever else runs.
  const int64_t need = static_cast<int64_t>(tokens.size()) / chunk_size_ + 1;
  if (need > capacity_chunks_)
    throw CodedError(kErrPromptTooLarge, std::string(what) + " needs " + std::to_string(need) + " KV chunks of " +
                                             std::to_string(chunk_size_) + " tokens; the whole pool holds " +
                                             std::to_string(capacity_chunks_));
}

template <class F>
void Scheduler::post_inbox(F&& add) {
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    add();
  }
  wake_.notify_all();
}

void Scheduler::submit(int64_t id, GenerateParams p) {
  validate_tokens(p.prompt, "promptTokens");
  if (p.max_tokens < 1) throw std::invalid_argument("maxTokens must be at least 1");
  if (p.n < 1 || p.n > 16) throw std::invalid_argument("n must be between 1 and 16");
  auto r = std::make_unique<Request>();
  r->id = id;
  r->arrival = Clock::now();
  for (int32_t c = 0; c < p.n; ++c) {
    auto u = std::make_unique<Unit>();
    u->req = r.get();
    u->choice = c;
    u->tokens = p.prompt;
    u->sampler = std::make_unique<Sampler>(p.sampling, p.seed + static_cast<uint64_t>(c));
    u->sampler->add_prompt(p.prompt);
    r->units.push_back(std::move(u));
  }
  r->unfinished = p.n;
  if (p.lane.empty()) p.lane = p.ns;
  r->p = std::move(p);
  post(std::move(r));
}

void Scheduler::post(std::unique_ptr<Request> r) {
  post_inbox([&] { inbox_.push_back(std::move(r)); });
}

void Scheduler::prewarm(int64_t id, const std::string& ns, std::vector<int32_t> tokens) {
  validate_tokens(tokens, "prewarm tokens");
  auto r = std::make_unique<Request>();
  r->id = id;
  r->prewarm = true;
  r->arrival = Clock::now();
  r->p.ns = ns;
  r->p.lane = ns;
  r->p.prompt = tokens;
  auto u = std::make_unique<Unit>();
  u->req = r.get();
  u->tokens = std::move(tokens);
  r->units.push_back(std::move(u));
  r->unfinished = 1;
  post(std::move(r));
}

void Scheduler::cancel(int64_t id, int32_t choice) {
  post_inbox([&] { cancels_.emplace_back(id, choice); });
}

void Scheduler::pause(int64_t id, bool paused) {
  post_inbox([&] { controls_.push_back({Control::Kind::Pause, id, paused, {}, 0}); });
}

void Scheduler::set_weight(const std::string& ns, int weight) {
  if (weight < 1) throw std::invalid_argument("weight must be at least 1");
  post_inbox([&] { controls_.push_back({Control::Kind::Weight, 0, false, ns, weight}); });
}

void Scheduler::unpin(int64_t id, const std::string& ns, std::vector<int32_t> tokens) {
  post_inbox([&] { cache_commands_.push_back({CacheCommand::Kind::Unpin, id, ns, std::move(tokens)}); });
}

void Scheduler::snapshot(int64_t id, const std::string& ns) {
  post_inbox([&] { cache_commands_.push_back({CacheCommand::Kind::Snapshot, id, ns, {}}); });
}

SchedulerStats Scheduler::stats() const {
  std::lock_guard<std::mutex> lk(stats_mu_);
  return published_;
}

void Scheduler::publish_stats() {
  SchedulerStats s = counters_;
  s.cache = cache_->counters();
  s.running = static_cast<int64_t>(running_.size());
  s.waiting = static_cast<int64_t>(waiting_.size());
  std::lock_guard<std::mutex> lk(stats_mu_);
  published_ = s;
}

void Scheduler::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(inbox_mu_);
      if (stopping_) return;
    }
    bool worked = false;
    try {
      worked = step();
    } catch (const std::exception& e) {
      fail_all(std::string("engine step failed: ") + e.what());  // a bug or an unexpected failure
    }
    std::vector<CacheEvent> changes = cache_->drain_events();
    if (!changes.empty()) {
      RuntimeEvent e;
      e.kind = EventKind::KvEvents;
      e.cache_events = std::move(changes);
      events_.push_back(std::move(e));
    }
    publish_stats();
    std::vector<RuntimeEvent> out;
    out.swap(events_);
    if (!out.empty()) sink_(std::move(out));
    if (!worked) {
      std::unique_lock<std::mutex> lk(inbox_mu_);
      wake_.wait(lk, [&] {
        return stopping_ || !inbox_.empty() || !cancels_.empty() || !cache_commands_.empty() || !controls_.empty();
      });
    }
  }
}

void Scheduler::fail_all(const std::string& message) {
  std::vector<Request*> all;
  for (auto& kv : requests_) all.push_back(kv.second.get());
  for (Request* r : all) {
    try {
      fail(r, message, kErrEngine);
    } catch (const std::exception&) {
      r->unfinished = 0;
    }
  }
  reap();
}

void Scheduler::intake() {
  std::vector<std::unique_ptr<Request>> fresh;
  std::vector<std::pair<int64_t, int32_t>> cancels;
  std::vector<CacheCommand> commands;
  std::vector<Control> controls;
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    fresh.swap(inbox_);
    cancels.swap(cancels_);
    commands.swap(cache_commands_);
    controls.swap(controls_);
  }
  for (auto& r : fresh) {
    if (requests_.count(r->id) != 0) {  // the id of a request in flight: refuse the newcomer, keep the other
      RuntimeEvent e;
      e.kind = EventKind::Error;
      e.request_id = r->id;
      e.message = "request id " + std::to_string(r->id) + " is already in flight";
      e.error_code = kErrEngine;
      events_.push_back(std::move(e));
      continue;
    }
    waiting_.push_back(r->p.lane, r->units[0].get());  // choices 1.. are forked from choice 0 after its prefill
    int64_t id = r->id;
    requests_[id] = std::move(r);
  }
  for (const Control& c : controls) {
    if (c.kind == Control::Kind::Weight) {
      waiting_.set_weight(c.ns, c.weight);
      continue;
    }
    auto it = requests_.find(c.id);
    if (it != requests_.end()) it->second->paused = c.paused;
  }
  for (const auto& [id, choice] : cancels) {
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;  // already finished
    Request* r = it->second.get();
    for (auto& u : r->units)
      if (u->state != Unit::State::Finished && (choice < 0 || u->choice == choice)) finish(u.get(), "cancelled");
  }
  for (const CacheCommand& c : commands) run_cache_command(c);
}

void Scheduler::run_cache_command(const CacheCommand& c) {
  RuntimeEvent e;
  e.request_id = c.id;
  try {
    if (c.kind == CacheCommand::Kind::Unpin) {
      e.kind = EventKind::Unpinned;
      e.tokens = static_cast<int32_t>(cache_->unpin(c.ns, c.tokens));
    } else {
      e.kind = EventKind::Snapshot;
      e.snapshot = std::make_shared<const CacheSnapshot>(cache_->snapshot());
      e.snapshot_namespace = c.ns;
    }
  } catch (const CacheError& err) {
    e = RuntimeEvent{};
    e.kind = EventKind::Error;
    e.request_id = c.id;
    e.message = err.what();
    e.error_code = c.kind == CacheCommand::Kind::Unpin ? kErrNotPinned : kErrEngine;
  } catch (const std::exception& err) {
    e = RuntimeEvent{};
    e.kind = EventKind::Error;
    e.request_id = c.id;
    e.message = err.what();
    e.error_code = kErrEngine;
  }
  events_.push_back(std::move(e));
}

std::string Scheduler::unit_namespace(const Unit* u) const {
  if (sc_.sharing || u->req->prewarm) return u->req->p.ns;
  // Sharing off: a namespace nobody else uses, so nothing is shared or found cached.
  return u->req->p.ns + "\x1f" "private-" + std::to_string(u->req->id) + "-" + std::to_string(u->choice) + "-" +
         std::to_string(private_ns_counter_);
}

void Scheduler::remove_running(Unit* u) {
  running_.erase(std::remove(running_.begin(), running_.end(), u), running_.end());
}

void Scheduler::preempt(Unit* u) {
  cache_->remove(u->seq);
  u->seq = -1;
  u->computed = 0;
  u->state = Unit::State::Waiting;
  remove_running(u);
  waiting_.push_front(u->req->p.lane, u);
  counters_.preemptions += 1;
}

RuntimeEvent Scheduler::done_event(const Unit* u, const char* reason) const {
  const Request* r = u->req;
  const auto now = Clock::now();
  RuntimeEvent e;
  e.kind = EventKind::Done;
  e.request_id = r->id;
  e.choice = u->choice;
  e.finish_reason = reason;
  e.prompt_tokens = static_cast<int32_t>(r->p.prompt.size());
  e.cached_tokens = r->cached_tokens;
  e.completion_tokens = u->generated;
  e.queued_ms = ms_between(r->arrival, r->has_admitted ? r->admitted : now);
  e.ttft_ms = r->has_first_token ? ms_between(r->arrival, r->first_token) : 0;
  // Decode rate: tokens after the first over the time since the first.
  const double decode_s = r->has_first_token ? ms_between(r->first_token, now) / 1000 : 0;
  e.tokens_per_second = (u->generated > 1 && decode_s > 0) ? (u->generated - 1) / decode_s : 0;
  return e;
}

void Scheduler::finish(Unit* u, const char* reason) {
  Request* r = u->req;
  if (u->seq >= 0) cache_->remove(u->seq);
  u->seq = -1;
  waiting_.remove(r->p.lane, u);
  remove_running(u);
  u->state = Unit::State::Finished;
  r->unfinished -= 1;
  if (!r->prewarm) events_.push_back(done_event(u, reason));
  // Choices not forked yet (the request ended before its prompt was computed) end with it.
  if (!r->forked && u->choice == 0)
    for (size_t c = 1; c < r->units.size(); ++c) {
      Unit* other = r->units[c].get();
      if (other->state == Unit::State::Finished) continue;
      other->state = Unit::State::Finished;
      r->unfinished -= 1;
      events_.push_back(done_event(other, reason));
    }
  if (r->unfinished <= 0) counters_.requests_finished += 1;
}

void Scheduler::fail(Request* r, const std::string& message, const char* code) {
  for (auto& u : r->units) {
    if (u->state == Unit::State::Finished) continue;
    if (u->seq >= 0) cache_->remove(u->seq);
    u->seq = -1;
    waiting_.remove(r->p.lane, u.get());
    remove_running(u.get());
    u->state = Unit::State::Finished;
  }
  r->unfinished = 0;
  RuntimeEvent e;
  e.kind = EventKind::Error;
  e.request_id = r->id;
  e.message = message;
  e.error_code = code;
  events_.push_back(std::move(e));
}

void Scheduler::reap() {
  for (auto it = requests_.begin(); it != requests_.end();)
    it = it->second->unfinished <= 0 ? requests_.erase(it) : std::next(it);
}

// A unit whose prompt shares at least a chunk with tokens another running unit of the same
// namespace is still computing waits for that prefill: admitted now it would compute its own copy
// of them (only computed chunks are shared). This is what makes a burst of requests with one cold
// system prompt compute it once.
bool Scheduler::waits_for_prefill(const Unit* u) const {
  if (!sc_.sharing && !u->req->prewarm) return false;
  for (const Unit* p : running_) {
    if (p->state != Unit::State::Prefilling || p->ns != u->req->p.ns) continue;
    const size_t n = std::min(p->tokens.size(), u->tokens.size());
    size_t common = 0;
    while (common < n && p->tokens[common] == u->tokens[common]) ++common;
    if (common >= static_cast<size_t>(chunk_size_) && common > static_cast<size_t>(p->computed)) return true;
  }
  return false;
}

int Scheduler::running_in(const std::string& lane) const {
  int n = 0;
  for (const Unit* r : running_) n += r->req->p.lane == lane;
  return n;
}

// Admits waiting units in the fair queue's order while batch slots and chunks last. A unit that
// does not fit the pool now stops admission (its namespace is first in line next time), so large
// requests are not starved by small ones; one the pool cannot hold even with nothing else
// running fails.
void Scheduler::admit() {
  const int cap = sc_.max_running_per_namespace;
  for (Unit* u : waiting_.order()) {
    if (static_cast<int>(running_.size()) >= sc_.max_batch) break;
    Request* r = u->req;
    const std::string& lane = r->p.lane;
    if (waits_for_prefill(u) || (cap > 0 && running_in(lane) >= cap)) continue;
    ++private_ns_counter_;
    const std::string ns = unit_namespace(u);
    // Room for the prompt plus one more chunk of generation; the rest is found by preemption.
    const size_t extra = r->prewarm ? 0 : static_cast<size_t>(chunk_size_);
    if (!cache_->can_admit(ns, u->tokens, extra) && !(running_.empty() && cache_->can_admit(ns, u->tokens, 0))) {
      if (!running_.empty()) break;
      waiting_.remove(lane, u);
      const CacheCounters k = cache_->counters();
      fail(r, "the prompt does not fit in the KV cache pool now: " + std::to_string(k.pinned_chunks) + " of its " +
                  std::to_string(k.capacity_chunks) + " chunks are pinned by registered prompts",
           kErrCacheFull);
      continue;
    }
    InsertResult ins;
    try {
      // Keep the last token to compute so that its logits exist (a prewarm needs none).
      ins = cache_->insert(ns, u->tokens, r->prewarm ? u->tokens.size() : u->tokens.size() - 1);
    } catch (const CacheFullError&) {
      if (!running_.empty()) break;
      waiting_.remove(lane, u);
      fail(r, "the prompt does not fit in the KV cache pool (raise kvCacheBytes)", kErrCacheFull);
      continue;
    }
    waiting_.remove(lane, u);
    waiting_.served(lane);
    u->seq = ins.seq;
    u->ns = ns;
    u->computed = ins.cached_tokens;
    u->state = Unit::State::Prefilling;
    running_.push_back(u);
    if (!r->counted_cached) {
      r->counted_cached = true;
      r->cached_tokens = ins.cached_tokens;
      counters_.prompt_tokens += u->tokens.size();
    }
    if (!r->has_admitted) {
      r->has_admitted = true;
      r->admitted = Clock::now();
    }
  }
}

void Scheduler::sample_into(Unit* u, float* row) {
  Request* r = u->req;
  SampleResult s = u->sampler->sample(row, cfg_.vocab);
  u->generated += 1;
  counters_.generated_tokens += 1;
  if (!r->has_first_token) {
    r->has_first_token = true;
    r->first_token = Clock::now();
  }
  const auto& stops = r->p.stop_token_ids;
  if (std::find(stops.begin(), stops.end(), s.token) != stops.end()) {
    finish(u, "stop");
    return;
  }
  RuntimeEvent e;
  e.kind = EventKind::Token;
  e.request_id = r->id;
  e.choice = u->choice;
  e.token = s.token;
  e.has_logprob = r->p.sampling.logprobs || r->p.sampling.top_logprobs > 0;
  e.logprob = s.logprob;
  e.top = std::move(s.top);
  events_.push_back(std::move(e));
  u->tokens.push_back(s.token);
  if (u->generated >= r->p.max_tokens || static_cast<int64_t>(u->tokens.size()) >= cfg_.max_positions) {
    finish(u, "length");
    return;
  }
  u->state = Unit::State::Decoding;
}

void Scheduler::fork_choices(Unit* parent, const float* row) {
  Request* r = parent->req;
  r->forked = true;
  std::vector<float> copy(row, row + cfg_.vocab);  // [vocab] each choice samples the same logits
  for (size_t c = 1; c < r->units.size(); ++c) {
    Unit* u = r->units[c].get();
    if (u->state == Unit::State::Finished) continue;  // cancelled before the fork
    if (static_cast<int>(running_.size()) < sc_.max_batch) {
      try {
        u->seq = cache_->fork(parent->seq);
        u->ns = parent->ns;
        u->computed = parent->computed;
        running_.push_back(u);
        std::copy(row, row + cfg_.vocab, copy.begin());
        sample_into(u, copy.data());
        continue;
      } catch (const CacheFullError&) {
        u->seq = -1;
      }
    }
    waiting_.push_front(r->p.lane, u);  // recomputes its last prompt token when admitted (prompt is cached)
  }
}

void Scheduler::complete_prewarm(Unit* u) {
  Request* r = u->req;
  RuntimeEvent e;
  e.kind = EventKind::Prewarmed;
  e.request_id = r->id;
  e.prompt_tokens = static_cast<int32_t>(u->tokens.size());
  e.cached_tokens = r->cached_tokens;
  cache_->pin(u->ns, u->tokens);
  e.chunk_ids = cache_->prefix_chunks(u->ns, u->tokens);  // what is pinned (maybe an older twin of its tail)
  e.chunks = static_cast<int32_t>(e.chunk_ids.size());
  for (ChunkId id : e.chunk_ids) e.resident_tokens += cache_->chunk_computed(id);
  events_.push_back(std::move(e));
  finish(u, "stop");
}

// Appends the newest token of every decoding unit, preempting the newest running units while
// the pool cannot take the step's new tails.
void Scheduler::append_decoding(std::vector<Unit*>& decoding) {
  for (;;) {
    decoding.clear();
    for (Unit* u : running_)
      if (u->state == Unit::State::Decoding && !u->req->paused) decoding.push_back(u);
    if (decoding.empty()) return;
    std::vector<SeqId> seqs;
    std::vector<int32_t> toks;
    for (Unit* u : decoding) {
      seqs.push_back(u->seq);
      toks.push_back(u->tokens.back());
    }
    try {
      cache_->append(seqs, toks);
      return;
    } catch (const CacheFullError&) {
      preempt(running_.back());
    }
  }
}

// Prefill pieces, oldest unit first, within the per-iteration token budget; prewarms whose
// tokens were all cached complete at once.
void Scheduler::plan_prefill(std::vector<Unit*>& prefilling, std::vector<int32_t>& lengths) {
  int budget = sc_.prefill_chunk;
  std::vector<Unit*> done_without_compute;
  for (Unit* u : running_) {
    if (u->state != Unit::State::Prefilling || u->req->paused) continue;
    const int32_t remaining = static_cast<int32_t>(u->tokens.size()) - u->computed;
    if (remaining == 0) {
      done_without_compute.push_back(u);
      continue;
    }
    if (budget == 0) continue;
    const int32_t n = std::min(remaining, budget);
    budget -= n;
    prefilling.push_back(u);
    lengths.push_back(n);
  }
  for (Unit* u : done_without_compute) complete_prewarm(u);
}

bool Scheduler::step() {
  intake();
  std::vector<Unit*> decoding, prefilling;
  std::vector<int32_t> lengths;  // [prefilling] tokens of this step's piece
  append_decoding(decoding);
  admit();
  plan_prefill(prefilling, lengths);
  reap();

  // The step's batch, and the unit that owns each of its spans.
  batch_.clear();
  std::vector<Unit*> owner;  // [n_spans]
  for (Unit* u : decoding) {
    batch_.add_decode(u->seq, static_cast<int32_t>(u->tokens.size()) - 1, u->tokens.back());
    owner.push_back(u);
  }
  for (size_t i = 0; i < prefilling.size(); ++i) {
    Unit* u = prefilling[i];
    const bool last_piece = u->computed + lengths[i] == static_cast<int32_t>(u->tokens.size());
    batch_.add_prefill(u->seq, u->computed, u->tokens.data() + u->computed, lengths[i], last_piece && !u->req->prewarm);
    owner.push_back(u);
  }
  if (batch_.empty()) return false;

  std::vector<float> logits;  // [batch_.n_logits(), vocab]
  forward_->run(*cache_, plan_, batch_, logits);
  counters_.steps += 1;
  const std::vector<BatchSpan>& spans = batch_.spans();
  for (size_t i = 0; i < spans.size(); ++i) {
    Unit* u = owner[i];
    if (u->state == Unit::State::Finished) continue;  // its request failed earlier in this loop
    const BatchSpan& s = spans[i];
    const bool prefill = static_cast<int32_t>(i) >= batch_.n_decode();
    u->computed = s.pos0 + s.n;
    cache_->mark_computed(u->seq, u->computed);
    if (prefill) counters_.computed_prompt_tokens += s.n;
    if (u->computed < static_cast<int32_t>(u->tokens.size())) continue;  // more prompt pieces to go
    if (u->req->prewarm) {
      complete_prewarm(u);
      continue;
    }
    float* row = logits.data() + static_cast<size_t>(s.logits) * cfg_.vocab;
    Request* r = u->req;
    try {
      if (prefill && u->choice == 0 && !r->forked && r->units.size() > 1) fork_choices(u, row);
      sample_into(u, row);
    } catch (const std::runtime_error& e) {  // e.g. no finite logits: this request fails, not the step
      fail(r, std::string("sampling failed: ") + e.what(), kErrEngine);
    }
  }
  reap();
  return true;
}

}  // namespace chunkserve
