// What JavaScript asks the scheduler for, and what the scheduler streams back.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cache/kv_cache.h"
#include "model/sampler.h"

namespace chunkserve {

struct GenerateParams {
  std::string ns;                       // cache namespace: whose chunks the request may share
  // Admission lane: whose fair share (round robin turn, weight, running cap) the request uses.
  // Empty: the namespace. Why apart: one tenant's requests may use several namespaces (cache_salt),
  // and a new salt must not buy the tenant another turn.
  std::string lane;
  std::vector<int32_t> prompt;          // prompt token ids, non-empty
  int32_t max_tokens = 16;              // completion tokens per choice
  int32_t n = 1;                        // choices; 2+ fork the prompt's sequence
  SamplingParams sampling;
  uint64_t seed = 0;                    // choice c samples with seed + c
  std::vector<int32_t> stop_token_ids;  // a sampled stop token ends the choice ('stop'), not emitted
};

// Every request id gets exactly one ending event: Done per choice (generate), Prewarmed,
// Unpinned, Snapshot, or Error (which ends all of the request's choices).
// KvEvents (request id 0) carry the cache's Stored/Removed chunks when the runtime records them.
enum class EventKind { Token, Done, Prewarmed, Unpinned, Snapshot, Error, KvEvents };

struct RuntimeEvent {
  EventKind kind = EventKind::Token;
  int64_t request_id = 0;
  int32_t choice = 0;
  // Token
  int32_t token = 0;
  bool has_logprob = false;
  float logprob = 0;
  std::vector<TokenLogprob> top;
  // Done
  std::string finish_reason;  // "stop" | "length" | "cancelled"
  int32_t prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;
  double queued_ms = 0, ttft_ms = 0, tokens_per_second = 0;
  // Prewarmed (prompt_tokens, cached_tokens: before pre-warming) and Unpinned (tokens)
  std::vector<int32_t> chunk_ids;
  int32_t chunks = 0;
  int32_t resident_tokens = 0;  // Prewarmed: tokens its chunks hold, computed, after pre-warming
  int32_t tokens = 0;           // Unpinned: tokens the unpinned chunks covered
  // Snapshot
  std::shared_ptr<const CacheSnapshot> snapshot;
  std::string snapshot_namespace;  // only chunks of this namespace ("" = all)
  // Error
  std::string message;
  std::string error_code;  // common/coded_error.h: ERR_PROMPT_TOO_LARGE, ERR_CACHE_FULL, ERR_NOT_PINNED, ERR_ENGINE
  // KvEvents
  std::vector<CacheEvent> cache_events;
};

}  // namespace chunkserve
