#include "addon/snapshot_to_js.h"

#include "addon/runtime_events.h"

namespace chunkserve {

Napi::Object counters_to_js(Napi::Env env, const CacheCounters& c) {
  Napi::Object o = Napi::Object::New(env);
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  o.Set("lookups", d(c.lookups));
  o.Set("hitTokens", d(c.hit_tokens));
  o.Set("missedTokens", d(c.missed_tokens));
  o.Set("evictions", d(c.evictions));
  o.Set("capacityChunks", d(c.capacity_chunks));
  o.Set("usedChunks", d(c.used_chunks));
  o.Set("referencedChunks", d(c.referenced_chunks));
  o.Set("pinnedChunks", d(c.pinned_chunks));
  o.Set("cachedChunks", d(c.cached_chunks));
  o.Set("freeChunks", d(c.free_chunks));
  o.Set("chunkBytes", d(c.chunk_bytes));
  o.Set("bytesInUse", d(c.bytes_in_use));
  o.Set("bytesPinned", d(c.pinned_chunks * c.chunk_bytes));
  o.Set("bytesCached", d(c.cached_chunks * c.chunk_bytes));
  o.Set("bytesFree", d(c.free_chunks * c.chunk_bytes));
  o.Set("liveSequences", d(c.live_sequences));
  return o;
}

Napi::Object snapshot_to_js(Napi::Env env, const CacheSnapshot& snap, const std::string& only_namespace) {
  Napi::Array chunks = Napi::Array::New(env);
  uint32_t n = 0;
  for (const CacheChunk& c : snap.chunks) {
    if (!only_namespace.empty() && c.ns != only_namespace) continue;
    Napi::Object o = Napi::Object::New(env);
    o.Set("id", c.id);
    o.Set("parent", c.parent == kNoChunk ? env.Null() : Napi::Value(Napi::Number::New(env, c.parent)));
    o.Set("namespace", c.ns);
    o.Set("tokens", c.n_tokens);
    o.Set("computed", c.n_computed);
    o.Set("refCount", c.ref_count);
    o.Set("pinCount", c.pin_count);
    o.Set("lastUse", static_cast<double>(c.last_use));
    o.Set("lastUseMs", static_cast<double>(c.last_use_ms));
    o.Set("hits", static_cast<double>(c.hits));
    o.Set("hash", c.hash == 0 ? env.Null() : Napi::Value(Napi::String::New(env, cache_hash_hex(c.hash))));
    chunks.Set(n++, o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("chunks", chunks);
  out.Set("counters", counters_to_js(env, snap.counters));
  out.Set("version", static_cast<double>(snap.version));
  return out;
}

}  // namespace chunkserve
