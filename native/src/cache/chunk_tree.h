// Bookkeeping of the prefix tree behind KvCache: chunk records, namespaces, the free list and
// the eviction order. Host-only; the K/V bytes live in a ChunkStorage.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache/kv_cache.h"

namespace chunkserve {

struct ChunkRecord {
  std::vector<int32_t> tokens;  // [n_tokens <= chunk_size] token ids held
  std::vector<ChunkId> children;
  ChunkId parent = kNoChunk;    // kNoChunk: child of its namespace's root
  NamespaceId ns = -1;
  int32_t n_computed = 0;       // leading slots whose K/V are written and declared computed
  int32_t ref = 0;              // live sequences whose path contains this chunk
  int32_t pins = 0;
  uint64_t last_use = 0;        // logical clock: the eviction order
  int64_t last_use_ms = 0;      // wall clock (ms since the epoch), for people
  uint64_t hits = 0;            // inserts that reused it (shared, or copied from when partial)
  uint64_t hash = 0;            // once committed (full and computed): CacheEvent's prefix hash
  bool in_use = false;          // false: on the free list
  bool reclaimable = false;     // in_use && ref == 0 && pins == 0 (counted in n_reclaimable)
  bool in_lru = false;          // in the eviction set under key lru_key
  uint64_t lru_key = 0;
};

// Result of walking a namespace's tree along a token sequence.
struct PrefixMatch {
  std::vector<ChunkId> full;      // full, computed chunks matched root-down
  ChunkId partial = kNoChunk;     // best partially matching child of the last full chunk
  int32_t partial_tokens = 0;     // its usable matching prefix (<= its n_computed)
};

class ChunkTree {
 public:
  ChunkTree(int32_t capacity, int32_t chunk_size);

  int32_t chunk_size() const { return c_; }
  int32_t capacity() const { return static_cast<int32_t>(chunks_.size()); }
  ChunkRecord& at(ChunkId id) { return chunks_[id]; }
  const ChunkRecord& at(ChunkId id) const { return chunks_[id]; }

  NamespaceId find_namespace(const std::string& name) const;  // -1 when unknown
  NamespaceId namespace_id(const std::string& name);          // creates it when unknown
  const std::string& namespace_name(NamespaceId ns) const { return ns_names_[ns]; }
  // Children of parent (kNoChunk = the namespace's root).
  const std::vector<ChunkId>& children(NamespaceId ns, ChunkId parent) const;

  // Walks ns along tokens: full computed chunks while the next c tokens match, up to `limit`
  // tokens, then the child with the longest computed common prefix (within limit). Among equal
  // candidates pinned chunks win (then the first created). With exact_tail the partial chunk
  // must hold exactly the remaining tokens, computed: so that pin and unpin of a prompt walk the
  // same chunks and cover the whole prompt (a longer chunk that merely starts with the prompt's
  // tail belongs to another prompt).
  PrefixMatch match(NamespaceId ns, const int32_t* tokens, size_t n, size_t limit,
                    bool exact_tail = false) const;

  // Free plus reclaimable chunks (reclaimable ones can all be evicted, leaves first).
  size_t available() const { return free_.size() + n_reclaimable_; }
  size_t free_count() const { return free_.size(); }
  size_t reclaimable_count() const { return n_reclaimable_; }

  // Takes a chunk (free list first, else evicts the LRU evictable leaf) and links it under parent.
  // Throws CacheFullError when neither exists.
  ChunkId allocate(NamespaceId ns, ChunkId parent, uint64_t now);
  // Evicts the least recently used evictable leaf; false when there is none. With an event log
  // set, the eviction of a committed chunk appends a Removed CacheEvent to it.
  bool evict_one();
  void set_event_log(std::vector<CacheEvent>* log) { event_log_ = log; }
  uint64_t evictions() const { return evictions_; }
  // Frees one evictable leaf now without counting an eviction (an empty tail nobody needs).
  void discard(ChunkId id);

  // Re-derives reclaimable / eviction-set membership after ref, pins, children or last_use changed.
  void refresh(ChunkId id);

  // Every in-use chunk, parents before children (DFS per namespace in creation order).
  std::vector<ChunkId> dfs_order() const;
  size_t namespace_count() const { return ns_names_.size(); }
  // Throws CacheError on an internal inconsistency (links, counters, eviction set).
  void check() const;

 private:
  std::vector<ChunkId>& children_mut(NamespaceId ns, ChunkId parent);
  void release(ChunkId id);

  int32_t c_;
  std::vector<ChunkRecord> chunks_;           // [capacity]
  std::vector<ChunkId> free_;                 // stack of free chunk ids
  std::set<std::pair<uint64_t, ChunkId>> lru_;  // evictable leaves by (last_use, id)
  size_t n_reclaimable_ = 0;
  uint64_t evictions_ = 0;
  std::vector<CacheEvent>* event_log_ = nullptr;  // KvCache's, when it records events
  std::unordered_map<std::string, NamespaceId> ns_ids_;
  std::vector<std::string> ns_names_;
  std::vector<std::vector<ChunkId>> ns_roots_;  // [n_namespaces] chunks under each root
};

}  // namespace chunkserve
