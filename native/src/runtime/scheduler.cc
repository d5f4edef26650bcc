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
                     std::unique_ptr<ChunkStorage> storage, std::unique_ptr<ForwardBackend> backend,
                     const SchedulerConfig& sc, EventSink sink)
    : cfg_(cfg),
      weights_(std::move(weights)),
      cache_(std::make_unique<KvCache>(kv, std::move(storage))),
      sc_(sc),
      sink_(std::move(sink)),
      plan_(sc.sharing ? sc.decode_method : DecodeMethod::Baseline) {
  if (sc_.max_batch < 1) throw std::invalid_argument("maxBatch must be at least 1");
  if (sc_.prefill_chunk < 1) throw std::invalid_argument("prefillChunk must be at least 1");
  forward_ = std::make_unique<Forward>(cfg_, *weights_, std::move(backend));
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
  r->p = std::move(p);
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    inbox_.push_back(std::move(r));
  }
  wake_.notify_all();
}

void Scheduler::prewarm(int64_t id, const std::string& ns, std::vector<int32_t> tokens) {
  validate_tokens(tokens, "prewarm tokens");
  auto r = std::make_unique<Request>();
  r->id = id;
  r->prewarm = true;
  r->arrival = Clock::now();
  r->p.ns = ns;
  r->p.prompt = tokens;
  auto u = std::make_unique<Unit>();
  u->req = r.get();
  u->tokens = std::move(tokens);
  r->units.push_back(std::move(u));
  r->unfinished = 1;
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    inbox_.push_back(std::move(r));
  }
  wake_.notify_all();
}

void Scheduler::cancel(int64_t id, int32_t choice) {
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    cancels_.emplace_back(id, choice);
  }
  wake_.notify_all();
}

size_t Scheduler::unpin(const std::string& ns, const std::vector<int32_t>& tokens) {
  std::lock_guard<std::mutex> lk(mu_);
  return cache_->unpin(ns, tokens);
}

CacheSnapshot Scheduler::snapshot() {
  std::lock_guard<std::mutex> lk(mu_);
  return cache_->snapshot();
}

SchedulerStats Scheduler::stats() {
  std::lock_guard<std::mutex> lk(mu_);
  SchedulerStats s = counters_;
  s.cache = cache_->counters();
  s.running = static_cast<int64_t>(running_.size());
  s.waiting = static_cast<int64_t>(waiting_.size());
  return s;
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
      // A bug or an unexpected failure: fail every request rather than die silently.
      std::lock_guard<std::mutex> lk(mu_);
      std::vector<Request*> all;
      for (auto& kv : requests_) all.push_back(kv.second.get());
      for (Request* r : all) {
        try {
          fail(r, std::string("engine step failed: ") + e.what());
        } catch (const std::exception&) {
          r->unfinished = 0;
        }
      }
      reap();
    }
    std::vector<RuntimeEvent> out;
    {
      std::lock_guard<std::mutex> lk(mu_);
      out.swap(events_);
    }
    if (!out.empty()) sink_(std::move(out));
    if (!worked) {
      std::unique_lock<std::mutex> lk(inbox_mu_);
      wake_.wait(lk, [&] { return stopping_ || !inbox_.empty() || !cancels_.empty(); });
    }
  }
}

void Scheduler::intake() {
  std::vector<std::unique_ptr<Request>> fresh;
  std::vector<std::pair<int64_t, int32_t>> cancels;
  {
    std::lock_guard<std::mutex> lk(inbox_mu_);
    fresh.swap(inbox_);
    cancels.swap(cancels_);
  }
  for (auto& r : fresh) {
    waiting_.push_back(r->units[0].get());  // choices 1.. are forked from choice 0 after its prefill
    int64_t id = r->id;
    requests_[id] = std::move(r);
  }
  for (const auto& [id, choice] : cancels) {
    auto it = requests_.find(id);
    if (it == requests_.end()) continue;  // already finished
    Request* r = it->second.get();
    for (auto& u : r->units)
      if (u->state != Unit::State::Finished && (choice < 0 || u->choice == choice)) finish(u.get(), "cancelled");
  }
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
  waiting_.push_front(u);
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
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), u), waiting_.end());
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

void Scheduler::fail(Request* r, const std::string& message) {
  for (auto& u : r->units) {
    if (u->state == Unit::State::Finished) continue;
    if (u->seq >= 0) cache_->remove(u->seq);
    u->seq = -1;
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), u.get()), waiting_.end());
    remove_running(u.get());
    u->state = Unit::State::Finished;
  }
  r->unfinished = 0;
  RuntimeEvent e;
  e.kind = EventKind::Error;
  e.request_id = r->id;
  e.message = message;
  events_.push_back(std::move(e));
}

void Scheduler::reap() {
  for (auto it = requests_.begin(); it != requests_.end();)
    it = it->second->unfinished <= 0 ? requests_.erase(it) : std::next(it);
}

void Scheduler::admit() {
  const int c = cache_->config().chunk_size;
  // A unit whose prompt shares at least a chunk with tokens another running unit of the same
  // namespace is still computing waits for that prefill: admitted now it would compute its own
  // copy of them (only computed chunks are shared). This is what makes a burst of requests with
  // one cold system prompt compute it once.
  auto waits_for_prefill = [&](const Unit* u) {
    if (!sc_.sharing && !u->req->prewarm) return false;
    for (const Unit* p : running_) {
      if (p->state != Unit::State::Prefilling || p->ns != u->req->p.ns) continue;
      const size_t n = std::min(p->tokens.size(), u->tokens.size());
      size_t common = 0;
      while (common < n && p->tokens[common] == u->tokens[common]) ++common;
      if (common >= static_cast<size_t>(c) && common > static_cast<size_t>(p->computed)) return true;
    }
    return false;
  };
  for (size_t wi = 0; wi < waiting_.size() && static_cast<int>(running_.size()) < sc_.max_batch;) {
    Unit* u = waiting_[wi];
    Request* r = u->req;
    if (waits_for_prefill(u)) {
      ++wi;
      continue;
    }
    ++private_ns_counter_;
    const std::string ns = unit_namespace(u);
    // Room for the prompt plus one more chunk of generation; the rest is found by preemption.
    const size_t extra = r->prewarm ? 0 : static_cast<size_t>(c);
    if (!cache_->can_admit(ns, u->tokens, extra)) {
      if (running_.empty() && !cache_->can_admit(ns, u->tokens, 0)) {
        waiting_.erase(waiting_.begin() + wi);
        fail(r, "the prompt needs more KV cache than the whole pool holds (" + std::to_string(u->tokens.size()) +
                    " tokens; raise kvCacheBytes)");
        continue;
      }
      if (!running_.empty()) break;
    }
    InsertResult ins;
    try {
      // Keep the last token to compute so that its logits exist (a prewarm needs none).
      ins = cache_->insert(ns, u->tokens, r->prewarm ? u->tokens.size() : u->tokens.size() - 1);
    } catch (const CacheFullError&) {
      if (running_.empty()) {
        waiting_.erase(waiting_.begin() + wi);
        fail(r, "the prompt does not fit in the KV cache pool (raise kvCacheBytes)");
        continue;
      }
      break;
    }
    waiting_.erase(waiting_.begin() + wi);
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
    waiting_.push_front(u);  // recomputes its last prompt token when admitted (prompt is cached)
  }
}

void Scheduler::complete_prewarm(Unit* u) {
  Request* r = u->req;
  RuntimeEvent e;
  e.kind = EventKind::Prewarmed;
  e.request_id = r->id;
  e.prompt_tokens = static_cast<int32_t>(u->tokens.size());
  e.cached_tokens = r->cached_tokens;
  const int c = cache_->config().chunk_size;
  const auto& chunks = cache_->seq_chunks(u->seq);
  const size_t n_chunks = (u->tokens.size() + c - 1) / c;
  e.chunk_ids.assign(chunks.begin(), chunks.begin() + std::min(n_chunks, chunks.size()));
  e.chunks = static_cast<int32_t>(e.chunk_ids.size());
  cache_->pin(u->ns, u->tokens);
  events_.push_back(std::move(e));
  finish(u, "stop");
}

bool Scheduler::step() {
  std::vector<ForwardItem> decode, prefill;
  std::vector<Unit*> decode_units, prefill_units;
  std::vector<bool> want_logits;
  std::vector<int32_t> tokens;
  {
    std::lock_guard<std::mutex> lk(mu_);
    intake();

    // Decode: append every decoding unit's newest token; preempt the newest units when full.
    for (;;) {
      decode_units.clear();
      for (Unit* u : running_)
        if (u->state == Unit::State::Decoding) decode_units.push_back(u);
      if (decode_units.empty()) break;
      std::vector<SeqId> seqs;
      std::vector<int32_t> toks;
      for (Unit* u : decode_units) {
        seqs.push_back(u->seq);
        toks.push_back(u->tokens.back());
      }
      try {
        cache_->append(seqs, toks);
        break;
      } catch (const CacheFullError&) {
        preempt(running_.back());
      }
    }

    admit();

    // Prefill pieces, oldest first, within the per-iteration token budget.
    int budget = sc_.prefill_chunk;
    std::vector<Unit*> done_without_compute;
    for (Unit* u : running_) {
      if (u->state != Unit::State::Prefilling) continue;
      const int32_t remaining = static_cast<int32_t>(u->tokens.size()) - u->computed;
      if (remaining == 0) {  // a prewarm whose tokens were all cached
        done_without_compute.push_back(u);
        continue;
      }
      if (budget == 0) continue;
      const int32_t n = std::min(remaining, budget);
      budget -= n;
      prefill.push_back(ForwardItem{u->seq, u->computed, n});
      prefill_units.push_back(u);
      want_logits.push_back(n == remaining && !u->req->prewarm);
    }
    for (Unit* u : done_without_compute) complete_prewarm(u);
    reap();

    for (Unit* u : decode_units) {
      decode.push_back(ForwardItem{u->seq, static_cast<int32_t>(u->tokens.size()) - 1, 1});
      tokens.push_back(u->tokens.back());
    }
    for (size_t i = 0; i < prefill.size(); ++i)
      tokens.insert(tokens.end(), prefill_units[i]->tokens.begin() + prefill[i].pos0,
                    prefill_units[i]->tokens.begin() + prefill[i].pos0 + prefill[i].n);
  }
  if (decode.empty() && prefill.empty()) return false;

  std::vector<float> logits;  // [n_decode + prefills finishing, vocab]
  forward_->run(*cache_, plan_, decode, prefill, want_logits, tokens, logits);

  std::lock_guard<std::mutex> lk(mu_);
  counters_.steps += 1;
  size_t row = 0;
  for (size_t i = 0; i < decode_units.size(); ++i) {
    Unit* u = decode_units[i];
    cache_->mark_computed(u->seq, static_cast<int32_t>(u->tokens.size()));
    u->computed = static_cast<int32_t>(u->tokens.size());
    sample_into(u, logits.data() + (row++) * cfg_.vocab);
  }
  for (size_t i = 0; i < prefill_units.size(); ++i) {
    Unit* u = prefill_units[i];
    u->computed = prefill[i].pos0 + prefill[i].n;
    cache_->mark_computed(u->seq, u->computed);
    counters_.computed_prompt_tokens += prefill[i].n;
    if (u->computed < static_cast<int32_t>(u->tokens.size())) continue;
    if (u->req->prewarm) {
      complete_prewarm(u);
      continue;
    }
    float* lrow = logits.data() + (row++) * cfg_.vocab;
    Request* r = u->req;
    if (u->choice == 0 && !r->forked && r->units.size() > 1) fork_choices(u, lrow);
    sample_into(u, lrow);
  }
  reap();
  return true;
}

}  // namespace chunkserve
