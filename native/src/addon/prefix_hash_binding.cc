// prefixChunkHashes(namespace, tokens, chunkSize): the prefix hash every chunk of a token sequence
// has (or would have) in the cache, as in snapshots and 'kv' events. Lets callers find a prompt's
// chunks in a snapshot, or a router score a request against a replica's events.
#include "addon/js_args.h"
#include "addon/registry.h"
#include "addon/runtime_events.h"
#include "cache/prefix_hash.h"

namespace chunkserve {

static Napi::Value PrefixChunkHashes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string ns = js::to_string(js::arg(info, 0), "namespace");
  const std::vector<int32_t> tokens = js::to_tokens(js::arg(info, 1), "tokens");
  const int chunk_size = static_cast<int>(js::to_int(js::arg(info, 2), "chunkSize", 1, 4096));
  const std::vector<uint64_t> hashes = prefix_chunk_hashes(ns, tokens, chunk_size);
  Napi::Array out = Napi::Array::New(env, hashes.size());
  for (uint32_t i = 0; i < hashes.size(); ++i) out.Set(i, cache_hash_hex(hashes[i]));
  return out;
}

static AddonRegistrar registrar([](Napi::Env env, Napi::Object exports) {
  exports.Set("prefixChunkHashes", Napi::Function::New(env, PrefixChunkHashes, "prefixChunkHashes"));
});

}  // namespace chunkserve
