#include "addon/runtime_events.h"

#include "addon/snapshot_to_js.h"

#include <algorithm>

namespace chunkserve {

namespace {

void set_token(Napi::Env env, Napi::Object o, const RuntimeEvent& e) {
  o.Set("type", "token");
  o.Set("choice", e.choice);
  o.Set("tokenId", e.token);
  if (!e.has_logprob) return;
  o.Set("logprob", e.logprob);
  Napi::Array top = Napi::Array::New(env, e.top.size());
  for (size_t i = 0; i < e.top.size(); ++i) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("tokenId", e.top[i].token);
    t.Set("logprob", e.top[i].logprob);
    top.Set(static_cast<uint32_t>(i), t);
  }
  o.Set("topLogprobs", top);
}

void set_done(Napi::Env env, Napi::Object o, const RuntimeEvent& e) {
  o.Set("type", "done");
  o.Set("choice", e.choice);
  o.Set("finishReason", e.finish_reason);
  Napi::Object usage = Napi::Object::New(env);
  usage.Set("promptTokens", e.prompt_tokens);
  usage.Set("cachedTokens", e.cached_tokens);
  usage.Set("completionTokens", e.completion_tokens);
  o.Set("usage", usage);
  Napi::Object timings = Napi::Object::New(env);
  timings.Set("queuedMs", e.queued_ms);
  timings.Set("ttftMs", e.ttft_ms);
  timings.Set("tokensPerSecond", e.tokens_per_second);
  o.Set("timings", timings);
}

void set_prewarmed(Napi::Env env, Napi::Object o, const RuntimeEvent& e) {
  o.Set("type", "prewarmed");
  o.Set("tokens", e.prompt_tokens);
  o.Set("cachedTokens", e.cached_tokens);
  o.Set("residentTokens", e.resident_tokens);
  o.Set("chunks", e.chunks);
  Napi::Array ids = Napi::Array::New(env, e.chunk_ids.size());
  for (size_t i = 0; i < e.chunk_ids.size(); ++i) ids.Set(static_cast<uint32_t>(i), e.chunk_ids[i]);
  o.Set("chunkIds", ids);
}

std::string hex(uint64_t h) {
  static const char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[i] = digits[h & 15];
  return s;
}

void set_kv_events(Napi::Env env, Napi::Object o, const RuntimeEvent& e) {
  o.Set("type", "kv");
  Napi::Array list = Napi::Array::New(env, e.cache_events.size());
  for (size_t i = 0; i < e.cache_events.size(); ++i) {
    const CacheEvent& c = e.cache_events[i];
    Napi::Object x = Napi::Object::New(env);
    x.Set("hash", hex(c.hash));
    if (c.kind == CacheEvent::Kind::Stored) {
      x.Set("type", "stored");
      x.Set("parentHash", c.parent_hash == 0 ? env.Null() : Napi::Value(Napi::String::New(env, hex(c.parent_hash))));
      x.Set("namespace", c.ns);
      Napi::Int32Array tokens = Napi::Int32Array::New(env, c.tokens.size());
      std::copy(c.tokens.begin(), c.tokens.end(), tokens.Data());
      x.Set("tokens", tokens);
    } else {
      x.Set("type", "removed");
    }
    list.Set(static_cast<uint32_t>(i), x);
  }
  o.Set("events", list);
}

}  // namespace

std::string cache_hash_hex(uint64_t h) { return h == 0 ? std::string() : hex(h); }

Napi::Object event_to_js(Napi::Env env, const RuntimeEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("requestId", static_cast<double>(e.request_id));
  switch (e.kind) {
    case EventKind::Token:
      set_token(env, o, e);
      break;
    case EventKind::Done:
      set_done(env, o, e);
      break;
    case EventKind::Prewarmed:
      set_prewarmed(env, o, e);
      break;
    case EventKind::Unpinned:
      o.Set("type", "unpinned");
      o.Set("tokens", e.tokens);
      break;
    case EventKind::Snapshot:
      o.Set("type", "snapshot");
      o.Set("snapshot", snapshot_to_js(env, *e.snapshot, e.snapshot_namespace));
      break;
    case EventKind::KvEvents:
      set_kv_events(env, o, e);
      break;
    case EventKind::Error:
      o.Set("type", "error");
      o.Set("message", e.message);
      o.Set("code", e.error_code.empty() ? std::string("ERR_ENGINE") : e.error_code);
      break;
  }
  return o;
}

}  // namespace chunkserve
