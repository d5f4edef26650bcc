#include "cache/chunk_tree.h"

#include <algorithm>

namespace chunkserve {

ChunkTree::ChunkTree(int32_t capacity, int32_t chunk_size) : c_(chunk_size), chunks_(capacity) {
  free_.reserve(capacity);
  for (ChunkId id = capacity - 1; id >= 0; --id) free_.push_back(id);  // hand out low ids first
}

NamespaceId ChunkTree::find_namespace(const std::string& name) const {
  auto it = ns_ids_.find(name);
  return it == ns_ids_.end() ? -1 : it->second;
}

NamespaceId ChunkTree::namespace_id(const std::string& name) {
  auto it = ns_ids_.find(name);
  if (it != ns_ids_.end()) return it->second;
  const NamespaceId id = static_cast<NamespaceId>(ns_names_.size());
  ns_ids_.emplace(name, id);
  ns_names_.push_back(name);
  ns_roots_.emplace_back();
  return id;
}

const std::vector<ChunkId>& ChunkTree::children(NamespaceId ns, ChunkId parent) const {
  return parent == kNoChunk ? ns_roots_[ns] : chunks_[parent].children;
}

std::vector<ChunkId>& ChunkTree::children_mut(NamespaceId ns, ChunkId parent) {
  return parent == kNoChunk ? ns_roots_[ns] : chunks_[parent].children;
}

PrefixMatch ChunkTree::match(NamespaceId ns, const int32_t* tokens, size_t n, size_t limit,
                             bool exact_tail) const {
  PrefixMatch m;
  if (ns < 0) return m;
  limit = std::min(limit, n);
  size_t pos = 0;
  ChunkId parent = kNoChunk;
  // Full chunks: identical c tokens, all computed.
  while (pos + c_ <= limit) {
    ChunkId found = kNoChunk;
    for (ChunkId ch : children(ns, parent)) {
      const ChunkRecord& r = chunks_[ch];
      if (r.n_computed != c_ || static_cast<int32_t>(r.tokens.size()) != c_) continue;
      if (!std::equal(r.tokens.begin(), r.tokens.end(), tokens + pos)) continue;
      if (found == kNoChunk || (r.pins > 0 && chunks_[found].pins == 0)) found = ch;
    }
    if (found == kNoChunk) break;
    m.full.push_back(found);
    pos += c_;
    parent = found;
  }
  // Best partial match among the children of the last full chunk.
  const size_t room = std::min<size_t>(limit - pos, c_);
  if (room == 0) return m;
  for (ChunkId ch : children(ns, parent)) {
    const ChunkRecord& r = chunks_[ch];
    if (exact_tail && (r.tokens.size() != room || static_cast<size_t>(r.n_computed) < room)) continue;
    const size_t usable = std::min<size_t>(room, r.n_computed);
    size_t k = 0;
    while (k < usable && r.tokens[k] == tokens[pos + k]) ++k;
    if (k == 0 || (exact_tail && k != room)) continue;
    const int32_t ki = static_cast<int32_t>(k);
    const bool pinned = r.pins > 0, best_pinned = m.partial != kNoChunk && chunks_[m.partial].pins > 0;
    if (ki > m.partial_tokens || (ki == m.partial_tokens && pinned && !best_pinned)) {
      m.partial = ch;
      m.partial_tokens = ki;
    }
  }
  return m;
}

ChunkId ChunkTree::allocate(NamespaceId ns, ChunkId parent, uint64_t now) {
  if (free_.empty() && !evict_one()) throw CacheFullError("KV cache pool is full: no free or evictable chunk");
  const ChunkId id = free_.back();
  free_.pop_back();
  ChunkRecord& r = chunks_[id];
  r.tokens.clear();
  r.tokens.reserve(c_);
  r.children.clear();
  r.parent = parent;
  r.ns = ns;
  r.n_computed = 0;
  r.ref = 0;
  r.pins = 0;
  r.last_use = now;
  r.last_use_ms = 0;
  r.hits = 0;
  r.hash = 0;
  r.in_use = true;
  children_mut(ns, parent).push_back(id);
  if (parent != kNoChunk) refresh(parent);  // it has a child now: no longer an evictable leaf
  refresh(id);
  return id;
}

bool ChunkTree::evict_one() {
  if (lru_.empty()) return false;
  const ChunkId id = lru_.begin()->second;
  if (event_log_ != nullptr && chunks_[id].hash != 0) {
    CacheEvent e;
    e.kind = CacheEvent::Kind::Removed;
    e.hash = chunks_[id].hash;
    event_log_->push_back(std::move(e));
  }
  release(id);
  ++evictions_;
  return true;
}

void ChunkTree::discard(ChunkId id) {
  if (!chunks_[id].in_lru) throw CacheError("discard: chunk " + std::to_string(id) + " is not an evictable leaf");
  release(id);
}

void ChunkTree::release(ChunkId id) {
  ChunkRecord& r = chunks_[id];
  auto& siblings = children_mut(r.ns, r.parent);
  siblings.erase(std::find(siblings.begin(), siblings.end(), id));
  r.in_use = false;
  refresh(id);  // leaves the eviction set and the reclaimable count
  r.tokens.clear();
  free_.push_back(id);
  if (r.parent != kNoChunk) refresh(r.parent);  // may have become an evictable leaf
}

void ChunkTree::refresh(ChunkId id) {
  ChunkRecord& r = chunks_[id];
  const bool reclaimable = r.in_use && r.ref == 0 && r.pins == 0;
  if (reclaimable != r.reclaimable) {
    n_reclaimable_ += reclaimable ? 1 : -1;
    r.reclaimable = reclaimable;
  }
  const bool evictable = reclaimable && r.children.empty();
  if (r.in_lru && (!evictable || r.lru_key != r.last_use)) {
    lru_.erase({r.lru_key, id});
    r.in_lru = false;
  }
  if (evictable && !r.in_lru) {
    r.lru_key = r.last_use;
    lru_.insert({r.lru_key, id});
    r.in_lru = true;
  }
}

std::vector<ChunkId> ChunkTree::dfs_order() const {
  std::vector<ChunkId> out, stack;
  for (size_t ns = 0; ns < ns_roots_.size(); ++ns) {
    const auto& roots = ns_roots_[ns];
    for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.push_back(*it);
    while (!stack.empty()) {
      const ChunkId id = stack.back();
      stack.pop_back();
      out.push_back(id);
      const auto& ch = chunks_[id].children;
      for (auto it = ch.rbegin(); it != ch.rend(); ++it) stack.push_back(*it);
    }
  }
  return out;
}

void ChunkTree::check() const {
  auto fail = [](const std::string& what) { throw CacheError("cache invariant violated: " + what); };
  size_t in_use = 0, reclaimable = 0, evictable = 0;
  for (ChunkId id = 0; id < capacity(); ++id) {
    const ChunkRecord& r = chunks_[id];
    if (!r.in_use) {
      if (r.in_lru || r.reclaimable) fail("free chunk " + std::to_string(id) + " counted as cached");
      continue;
    }
    ++in_use;
    if (static_cast<int32_t>(r.tokens.size()) > c_) fail("chunk over capacity");
    if (r.n_computed > static_cast<int32_t>(r.tokens.size())) fail("chunk computed beyond its tokens");
    const auto& sib = children(r.ns, r.parent);
    if (std::count(sib.begin(), sib.end(), id) != 1) fail("chunk " + std::to_string(id) + " not linked once under its parent");
    if (r.parent != kNoChunk) {
      const ChunkRecord& p = chunks_[r.parent];
      if (!p.in_use || p.ns != r.ns) fail("parent free or in another namespace");
      if (static_cast<int32_t>(p.tokens.size()) != c_) fail("parent chunk not full");
      if (p.ref < r.ref) fail("parent ref count below child's");
      if (r.pins > 0 && p.pins == 0) fail("pinned chunk under an unpinned parent");
    }
    for (ChunkId ch : r.children)
      if (!chunks_[ch].in_use || chunks_[ch].parent != id) fail("child link broken");
    const bool recl = r.ref == 0 && r.pins == 0;
    if (recl != r.reclaimable) fail("reclaimable flag stale");
    reclaimable += recl;
    const bool ev = recl && r.children.empty();
    if (ev != r.in_lru || (ev && !lru_.count({r.lru_key, id}))) fail("eviction set stale");
    evictable += ev;
  }
  if (in_use + free_.size() != chunks_.size()) fail("free list size wrong");
  for (ChunkId id : free_)
    if (chunks_[id].in_use) fail("in-use chunk on the free list");
  if (reclaimable != n_reclaimable_) fail("reclaimable count wrong");
  if (evictable != lru_.size()) fail("eviction set size wrong");
}

}  // namespace chunkserve
