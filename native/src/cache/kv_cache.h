// PAKV: the prefix-aware chunked KV cache.
//
// One prefix tree per namespace (tenant) of fixed-size chunks; each chunk holds c = chunk_size
// tokens and K/V of all layers for them (layout: cache/chunk_layout.h), stored in a pool of
// chunks (cache/chunk_storage.h) addressed by ChunkId = index into the pool.
//
// Invariants (checked by tests):
//  - A sequence is a root-to-leaf path of chunks; every chunk on it except the last (the tail)
//    is full (c tokens). A running sequence always owns a tail with room for one more token
//    (an empty tail is pre-reserved when the last chunk fills), so append only bumps lengths
//    until a tail fills.
//  - Only full chunks whose K/V are completely computed are shared by several sequences. A tail
//    is owned by one sequence. Chunks are never shared across namespaces.
//  - ref_count(chunk) = number of live sequences whose path contains it. Chunks with ref 0 stay
//    cached for later inserts until evicted; pinned chunks (pin count > 0) are never evicted.
//  - Eviction frees only unpinned chunks with ref 0 and no children (leaves), least recently used
//    first, and only when the free list is empty.
//  - Every mutating call either completes or throws without changing the cache (strong
//    guarantee); CacheFullError when the pool cannot supply the chunks even after eviction.
//
// Thread safety: none. Call the cache from one thread: in the runtime, the scheduler thread (JS
// reaches the cache only through its inbox, runtime/scheduler.h). Attention kernels read
// it from the thread pool while no mutating call runs.
//
// Typical runtime flow for a request:
//   auto r = cache.insert(tenant, prompt, prompt.size() - 1);  // keep >= 1 token to compute
//   for l in layers: cache.store_kv_rows(r.seq, r.cached_tokens, n_new, l, k, v); prefill_attention(...)
//   cache.mark_computed(r.seq, prompt.size());
//   each step: cache.append(seqs, tokens); per layer store_kv(seq, len-1, l, k, v);
//              decode_attention(...); then cache.mark_computed(seq, len)
//   cache.remove(r.seq);  // chunks stay cached (ref 0)
#pragma once
#include <cstdint>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cache/chunk_layout.h"
#include "cache/chunk_storage.h"

namespace chunkserve {

using SeqId = int64_t;    // unique for the cache's lifetime, never reused
using ChunkId = int32_t;  // index into the chunk pool
using NamespaceId = int32_t;
constexpr ChunkId kNoChunk = -1;

// Every error the cache raises. Bad arguments (unknown sequence, position out of range, writing a
// shared/computed position) throw CacheError; the cache is unchanged.
class CacheError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The pool has no free chunk even after evicting every evictable one. The cache is unchanged.
class CacheFullError : public CacheError {
 public:
  using CacheError::CacheError;
};

struct KvCacheConfig {
  int n_layers = 1;
  int n_kv_heads = 1;
  int head_dim = 128;
  int chunk_size = 64;           // tokens per chunk (c)
  DType dtype = DType::F32;  // storage dtype; compute is fp32
  size_t pool_bytes = size_t(256) << 20;  // KV_CACHE_BYTES; capacity = pool_bytes / chunk_bytes
  bool record_events = false;    // keep CacheEvents for drain_events() (KV events for routers)

  ChunkLayout layout() const { return ChunkLayout{n_layers, n_kv_heads, head_dim, chunk_size, dtype}; }
};

struct InsertResult {
  SeqId seq = -1;
  int32_t cached_tokens = 0;  // leading prompt tokens whose K/V are already present (= shared + copied)
  int32_t shared_tokens = 0;  // of those, in full chunks shared with other sequences
  int32_t copied_tokens = 0;  // of those, copied from a partially matching chunk into the new tail
};

// Where position p of a sequence lives: token slot `slot` of chunk `chunk`.
struct KvSlot {
  ChunkId chunk = kNoChunk;
  int32_t slot = 0;
};

struct CacheCounters {
  uint64_t lookups = 0;         // insert calls (lookup() does not count)
  uint64_t hit_tokens = 0;      // prompt tokens found cached by inserts
  uint64_t missed_tokens = 0;   // prompt tokens the model had to compute
  uint64_t evictions = 0;       // chunks evicted
  uint64_t capacity_chunks = 0;
  uint64_t used_chunks = 0;     // chunks holding data (referenced, pinned or cached)
  uint64_t referenced_chunks = 0;  // ref_count > 0
  uint64_t pinned_chunks = 0;   // pin count > 0
  uint64_t cached_chunks = 0;   // ref_count == 0 and not pinned (evictable or inner)
  uint64_t free_chunks = 0;     // on the free list
  uint64_t chunk_bytes = 0;
  uint64_t bytes_in_use = 0;    // used_chunks * chunk_bytes
  uint64_t live_sequences = 0;
};

struct CacheChunk {
  ChunkId id = kNoChunk;
  ChunkId parent = kNoChunk;  // kNoChunk for a chunk under a namespace root
  std::string ns;
  int32_t n_tokens = 0;
  int32_t n_computed = 0;     // leading tokens whose K/V were marked computed
  int32_t ref_count = 0;
  int32_t pin_count = 0;
  uint64_t last_use = 0;      // logical clock (increments per cache operation)
  int64_t last_use_ms = 0;    // wall clock of the last use, ms since the epoch
  uint64_t hits = 0;          // inserts that reused it (shared, or copied from when partial)
  // Prefix hash (cache/prefix_hash.h): what CacheEvents carry once committed (full and computed);
  // for a chunk still filling, the hash of the tokens it holds so far; 0 for an empty tail.
  uint64_t hash = 0;
};

// A change of the set of shareable chunks, for routers that score replicas by their cached
// prefixes (vLLM's KV events: BlockStored / BlockRemoved). A chunk is stored when it becomes full
// and computed (from then on inserts can share it) and removed when it is evicted. Its hash
// chains its namespace and every token from the root: hash = H(parent's hash or H(namespace),
// its tokens), so equal prefixes of one namespace hash equal on every replica, and never across
// namespaces.
struct CacheEvent {
  enum class Kind { Stored, Removed } kind = Kind::Stored;
  uint64_t hash = 0;
  uint64_t parent_hash = 0;     // Stored: 0 under the namespace's root
  std::string ns;               // Stored
  std::vector<int32_t> tokens;  // Stored: chunk_size token ids
};

// Plain data for the dashboard (and for the runtime to return to JS).
struct CacheSnapshot {
  std::vector<CacheChunk> chunks;  // every used chunk, parents before children
  CacheCounters counters;
  uint64_t version = 0;
};

struct ChunkRecord;  // cache/chunk_tree.h

class KvCache {
 public:
  // storage: where chunk bytes live; nullptr = HostChunkStorage(config.layout(), config.pool_bytes).
  // Throws CacheError for an invalid config (non-positive sizes, a pool smaller than one chunk).
  explicit KvCache(const KvCacheConfig& config, std::unique_ptr<ChunkStorage> storage = nullptr);
  ~KvCache();
  KvCache(const KvCache&) = delete;
  KvCache& operator=(const KvCache&) = delete;

  const KvCacheConfig& config() const { return config_; }
  const ChunkLayout& layout() const { return layout_; }
  ChunkStorage& storage() { return *storage_; }
  const ChunkStorage& storage() const { return *storage_; }

  // ---- sequences --------------------------------------------------------------------------
  // Inserts a new sequence with `tokens` as its prompt under namespace ns. Reuses every matching
  // full, computed chunk and copies the matching computed part of a partially matching chunk into
  // the new tail; reports how many leading tokens are cached (at most max_cached; the runtime
  // passes tokens.size() - 1 so that one token is left to produce logits). Positions >=
  // cached_tokens must be written (store_kv*) and then mark_computed. An empty prompt is allowed.
  // Throws CacheFullError when the new chunks do not fit even after eviction.
  InsertResult insert(const std::string& ns, const std::vector<int32_t>& tokens,
                      size_t max_cached = SIZE_MAX);
  // How many leading tokens an insert would find cached now (no side effects, no counters).
  size_t lookup(const std::string& ns, const std::vector<int32_t>& tokens) const;
  // Whether inserting `tokens` and then generating `extra_tokens` more would fit in the pool now
  // (counting free and evictable chunks).
  bool can_admit(const std::string& ns, const std::vector<int32_t>& tokens, size_t extra_tokens = 0) const;
  // Chunks available to new data: free plus evictable.
  size_t available_chunks() const;

  // Appends one token to each sequence (a decode step), reserving new tail chunks as needed.
  // All or nothing: throws CacheFullError (nothing appended) when the tails do not fit.
  // The new tokens' K/V must then be written with store_kv at position seq_length - 1.
  void append(const std::vector<SeqId>& seqs, const std::vector<int32_t>& tokens);
  // Ends a sequence; its chunks stay cached with ref count decremented.
  void remove(SeqId seq);
  // A new sequence with the same tokens and K/V, sharing every full chunk; the tail is copied.
  SeqId fork(SeqId seq);

  // ---- K/V access -------------------------------------------------------------------------
  // Stores K and V of position pos in one layer, converting fp32 to the storage dtype.
  // k, v: [n_kv_heads, head_dim]. pos must be in [computed_length, length) of the sequence.
  void store_kv(SeqId seq, int32_t pos, int layer, const float* k, const float* v);
  // Same for n consecutive positions: k, v [n, n_kv_heads, head_dim].
  void store_kv_rows(SeqId seq, int32_t pos0, int32_t n, int layer, const float* k, const float* v);
  // Declares positions [0, upto) of the sequence computed: their chunks become matchable by
  // other inserts once full. upto in [computed_length, length].
  void mark_computed(SeqId seq, int32_t upto);
  // Chunk and slot of position pos (< length). Host pointer to the row of (layer, kv, head):
  //   storage().host_chunk(s.chunk) + layout().row_offset(layer, kv, head, s.slot) * elem_bytes.
  KvSlot locate(SeqId seq, int32_t pos) const;
  // Host pointer to plane (layer, kv: 0 = K / 1 = V, head) of a chunk: [chunk_size][head_dim].
  const uint8_t* plane(ChunkId chunk, int layer, int kv, int head) const;

  bool has_sequence(SeqId seq) const;
  int32_t seq_length(SeqId seq) const;            // tokens, prompt + generated
  int32_t seq_computed_length(SeqId seq) const;   // leading tokens marked computed
  // The sequence's chunks, root to tail. chunks.size() == ceil(length / c) or one more (an
  // empty pre-reserved tail).
  const std::vector<ChunkId>& seq_chunks(SeqId seq) const;
  std::vector<SeqId> live_sequences() const;  // ascending ids
  // Live sequences whose path contains chunk (ref_count of the chunk).
  int32_t chunk_ref_count(ChunkId chunk) const;
  // Leading tokens of the chunk whose K/V are computed.
  int32_t chunk_computed(ChunkId chunk) const;

  // ---- prefix pinning (pre-warmed system prompts) -----------------------------------------
  // Pins the cached, computed chunks holding tokens under ns: the full chunks along the prefix
  // and, for a tail shorter than a chunk, the chunk holding exactly that tail (not a longer one
  // that starts with it); returns the tokens covered (all of them after the prompt was computed,
  // e.g. by a prewarm). Pins nest (a count).
  size_t pin(const std::string& ns, const std::vector<int32_t>& tokens);
  // Undoes one pin of the same prefix; returns tokens unpinned. Throws CacheError (nothing
  // changed) when the whole prefix is not cached or not pinned.
  // The chunks pin and unpin use for tokens (root first; empty when none are cached).
  std::vector<ChunkId> prefix_chunks(const std::string& ns, const std::vector<int32_t>& tokens) const;
  size_t unpin(const std::string& ns, const std::vector<int32_t>& tokens);

  // Evicts every evictable chunk (unreferenced, unpinned), e.g. to reset the prefix cache.
  size_t evict_all();

  // The CacheEvents since the last call, oldest first (empty unless config.record_events).
  std::vector<CacheEvent> drain_events();

  // ---- observation ------------------------------------------------------------------------
  // Increments whenever the set of sequences or any sequence's chunk list changes (insert,
  // remove, fork, a new tail chunk); decode plans rebuild their work lists only then.
  uint64_t version() const { return version_; }
  CacheSnapshot snapshot() const;
  CacheCounters counters() const;
  // Verifies the invariants above (ref counts, tree links, free list); throws CacheError with a
  // description on the first violation. For tests.
  void check_invariants() const;

 private:
  struct Impl;  // tree, sequences, free list, LRU (kv_cache.cc)
  void commit(ChunkId id);
  uint64_t parent_hash(const ChunkRecord& r) const;
  KvCacheConfig config_;
  ChunkLayout layout_;
  std::unique_ptr<ChunkStorage> storage_;
  std::unique_ptr<Impl> impl_;
  uint64_t version_ = 0;
};

}  // namespace chunkserve
