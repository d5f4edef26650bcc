#include "cache/kv_cache.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "cache/chunk_tree.h"
#include "cache/prefix_hash.h"

namespace chunkserve {

namespace {

struct Sequence {
  NamespaceId ns = -1;
  std::vector<ChunkId> chunks;  // root to tail; all full except the tail
  int32_t length = 0;           // tokens
  int32_t computed = 0;         // leading tokens marked computed
};

// New chunks a sequence needs to hold `tokens` tokens from a chunk boundary on, with a tail
// that has room for one more token afterwards.
size_t chunks_for(size_t tokens, int32_t c) { return tokens / c + 1; }

}  // namespace

struct KvCache::Impl {
  Impl(int32_t capacity, int32_t c) : tree(capacity, c) {}
  ChunkTree tree;
  bool record_events = false;
  std::vector<CacheEvent> events;  // since the last drain, in order (the tree appends removals)
  std::map<SeqId, Sequence> seqs;
  SeqId next_seq = 0;
  uint64_t clock = 0;
  uint64_t lookups = 0, hit_tokens = 0, missed_tokens = 0;

  Sequence& seq(SeqId id) {
    auto it = seqs.find(id);
    if (it == seqs.end()) throw CacheError("unknown sequence id " + std::to_string(id));
    return it->second;
  }
  const Sequence& seq(SeqId id) const { return const_cast<Impl*>(this)->seq(id); }

  // Marks a chunk used now (both clocks); the caller refreshes its eviction state.
  void touch(ChunkRecord& r) const {
    r.last_use = clock;
    r.last_use_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  }
  void add_ref(ChunkId id, int delta) {
    ChunkRecord& r = tree.at(id);
    r.ref += delta;
    touch(r);
    tree.refresh(id);
  }
};

static void validate_config(const KvCacheConfig& c) {
  if (c.n_layers <= 0 || c.n_kv_heads <= 0 || c.head_dim <= 0 || c.chunk_size <= 0)
    throw CacheError("KvCacheConfig: n_layers, n_kv_heads, head_dim and chunk_size must be positive");
  if (c.chunk_size > 4096) throw CacheError("KvCacheConfig: chunk_size must be at most 4096");
}

KvCache::KvCache(const KvCacheConfig& config, std::unique_ptr<ChunkStorage> storage)
    : config_(config), layout_(config.layout()), storage_(std::move(storage)) {
  validate_config(config_);
  if (!storage_) {
    if (config_.pool_bytes < layout_.chunk_bytes())
      throw CacheError("KvCacheConfig: pool_bytes (" + std::to_string(config_.pool_bytes) +
                       ") is smaller than one chunk (" + std::to_string(layout_.chunk_bytes()) + " bytes)");
    storage_ = std::make_unique<HostChunkStorage>(layout_, config_.pool_bytes);
  }
  const ChunkLayout& sl = storage_->layout();
  if (sl.chunk_bytes() != layout_.chunk_bytes() || sl.chunk_size != layout_.chunk_size ||
      sl.head_dim != layout_.head_dim || sl.n_kv_heads != layout_.n_kv_heads || sl.n_layers != layout_.n_layers ||
      sl.dtype != layout_.dtype)
    throw CacheError("KvCache: storage layout differs from the config");
  if (storage_->capacity() <= 0) throw CacheError("KvCache: storage holds no chunk");
  impl_ = std::make_unique<Impl>(storage_->capacity(), config_.chunk_size);
  impl_->record_events = config_.record_events;
  if (config_.record_events) impl_->tree.set_event_log(&impl_->events);
}

KvCache::~KvCache() = default;

// ---- sequences ------------------------------------------------------------------------------

InsertResult KvCache::insert(const std::string& ns, const std::vector<int32_t>& tokens, size_t max_cached) {
  Impl& m = *impl_;
  ChunkTree& tree = m.tree;
  const int32_t c = config_.chunk_size;
  if (tokens.size() > static_cast<size_t>(INT32_MAX / 2)) throw CacheError("insert: prompt too long");
  const NamespaceId nsid = tree.namespace_id(ns);
  ++m.clock;
  const PrefixMatch pm = tree.match(nsid, tokens.data(), tokens.size(), max_cached);
  const size_t shared = pm.full.size() * c;
  const size_t copied = pm.partial_tokens;
  const size_t need = chunks_for(tokens.size() - shared, c);

  // Take the matched chunks (and the copy source) out of the evictable pool before allocating.
  for (ChunkId id : pm.full) m.add_ref(id, +1);
  for (ChunkId id : pm.full) tree.at(id).hits++;
  if (pm.partial != kNoChunk) tree.at(pm.partial).hits++;
  if (pm.partial != kNoChunk) {
    tree.at(pm.partial).pins++;
    tree.refresh(pm.partial);
  }
  auto release_source = [&] {
    if (pm.partial == kNoChunk) return;
    tree.at(pm.partial).pins--;
    m.touch(tree.at(pm.partial));
    tree.refresh(pm.partial);
  };
  if (need > tree.available()) {
    release_source();
    for (ChunkId id : pm.full) m.add_ref(id, -1);
    throw CacheFullError("KV cache full: prompt needs " + std::to_string(need) + " new chunks, " +
                         std::to_string(tree.available()) + " free or evictable");
  }

  Sequence s;
  s.ns = nsid;
  s.chunks = pm.full;
  s.length = static_cast<int32_t>(tokens.size());
  s.computed = static_cast<int32_t>(shared + copied);
  ChunkId parent = pm.full.empty() ? kNoChunk : pm.full.back();
  size_t pos = shared;
  for (size_t k = 0; k < need; ++k) {
    const ChunkId id = tree.allocate(nsid, parent, m.clock);  // cannot throw: checked above
    ChunkRecord& r = tree.at(id);
    const size_t take = std::min<size_t>(c, tokens.size() - pos);
    r.tokens.assign(tokens.begin() + pos, tokens.begin() + pos + take);
    if (k == 0 && copied > 0) {
      storage_->copy_prefix(pm.partial, id, static_cast<int>(copied));
      r.n_computed = static_cast<int32_t>(copied);
    }
    m.add_ref(id, +1);
    s.chunks.push_back(id);
    pos += take;
    parent = id;
  }
  release_source();

  const SeqId sid = m.next_seq++;
  m.seqs.emplace(sid, std::move(s));
  ++version_;
  ++m.lookups;
  m.hit_tokens += shared + copied;
  m.missed_tokens += tokens.size() - shared - copied;
  InsertResult res;
  res.seq = sid;
  res.cached_tokens = static_cast<int32_t>(shared + copied);
  res.shared_tokens = static_cast<int32_t>(shared);
  res.copied_tokens = static_cast<int32_t>(copied);
  return res;
}

size_t KvCache::lookup(const std::string& ns, const std::vector<int32_t>& tokens) const {
  const PrefixMatch pm = impl_->tree.match(impl_->tree.find_namespace(ns), tokens.data(), tokens.size(), SIZE_MAX);
  return pm.full.size() * config_.chunk_size + pm.partial_tokens;
}

bool KvCache::can_admit(const std::string& ns, const std::vector<int32_t>& tokens, size_t extra_tokens) const {
  const ChunkTree& tree = impl_->tree;
  const PrefixMatch pm = tree.match(tree.find_namespace(ns), tokens.data(), tokens.size(), SIZE_MAX);
  size_t taken = 0;  // matched chunks (and the copy source) that insert takes out of the reclaimable pool
  for (ChunkId id : pm.full) taken += tree.at(id).reclaimable;
  if (pm.partial != kNoChunk) taken += tree.at(pm.partial).reclaimable;
  const size_t need = chunks_for(tokens.size() + extra_tokens - pm.full.size() * config_.chunk_size, config_.chunk_size);
  return need + taken <= tree.available();
}

size_t KvCache::available_chunks() const { return impl_->tree.available(); }

void KvCache::append(const std::vector<SeqId>& seqs, const std::vector<int32_t>& tokens) {
  Impl& m = *impl_;
  const int32_t c = config_.chunk_size;
  if (seqs.size() != tokens.size())
    throw CacheError("append: " + std::to_string(seqs.size()) + " sequences but " + std::to_string(tokens.size()) + " tokens");
  std::vector<Sequence*> ss;
  ss.reserve(seqs.size());
  size_t need = 0;  // tails that fill with this token and need a fresh empty tail
  for (SeqId id : seqs) {
    Sequence& s = m.seq(id);
    if (std::find(ss.begin(), ss.end(), &s) != ss.end()) throw CacheError("append: sequence " + std::to_string(id) + " given twice");
    ss.push_back(&s);
    if (m.tree.at(s.chunks.back()).tokens.size() + 1 == static_cast<size_t>(c)) ++need;
  }
  if (need > m.tree.available())
    throw CacheFullError("KV cache full: this step needs " + std::to_string(need) + " new tail chunks, " +
                         std::to_string(m.tree.available()) + " free or evictable");
  ++m.clock;
  for (size_t i = 0; i < ss.size(); ++i) {
    Sequence& s = *ss[i];
    const ChunkId tail = s.chunks.back();
    ChunkRecord& r = m.tree.at(tail);
    r.tokens.push_back(tokens[i]);
    m.touch(r);
    ++s.length;
    if (r.tokens.size() == static_cast<size_t>(c)) {  // pre-reserve the next tail
      const ChunkId id = m.tree.allocate(s.ns, tail, m.clock);
      m.add_ref(id, +1);
      s.chunks.push_back(id);
      ++version_;
    }
  }
}

void KvCache::remove(SeqId seq) {
  Impl& m = *impl_;
  auto it = m.seqs.find(seq);
  if (it == m.seqs.end()) throw CacheError("remove: unknown sequence id " + std::to_string(seq));
  ++m.clock;
  const std::vector<ChunkId> chunks = std::move(it->second.chunks);
  m.seqs.erase(it);
  for (ChunkId id : chunks) m.add_ref(id, -1);
  // An empty pre-reserved tail holds nothing worth caching: return it to the free list.
  const ChunkId tail = chunks.back();
  if (m.tree.at(tail).tokens.empty() && m.tree.at(tail).reclaimable && m.tree.at(tail).children.empty())
    m.tree.discard(tail);
  ++version_;
}

SeqId KvCache::fork(SeqId seq) {
  Impl& m = *impl_;
  const Sequence& src = m.seq(seq);
  const int32_t c = config_.chunk_size;
  const int32_t tail_start = static_cast<int32_t>(src.chunks.size() - 1) * c;
  if (src.computed < tail_start)
    throw CacheError("fork: sequence " + std::to_string(seq) + " has uncomputed full chunks (compute its prompt first)");
  ++m.clock;
  const ChunkId old_tail = src.chunks.back();
  m.tree.at(old_tail).pins++;  // keep the copy source out of eviction while allocating
  m.tree.refresh(old_tail);
  ChunkId tail;
  try {
    tail = m.tree.allocate(src.ns, m.tree.at(old_tail).parent, m.clock);
  } catch (...) {
    m.tree.at(old_tail).pins--;
    m.tree.refresh(old_tail);
    throw;
  }
  m.tree.at(old_tail).pins--;
  m.tree.refresh(old_tail);
  ChunkRecord& r = m.tree.at(tail);
  const ChunkRecord& o = m.tree.at(old_tail);
  r.tokens = o.tokens;
  r.n_computed = o.n_computed;
  storage_->copy_prefix(old_tail, tail, static_cast<int>(o.tokens.size()));
  Sequence s = src;
  s.chunks.back() = tail;
  for (ChunkId id : s.chunks) m.add_ref(id, +1);
  const SeqId sid = m.next_seq++;
  m.seqs.emplace(sid, std::move(s));
  ++version_;
  return sid;
}

// ---- K/V access -----------------------------------------------------------------------------

KvSlot KvCache::locate(SeqId seq, int32_t pos) const {
  const Sequence& s = impl_->seq(seq);
  if (pos < 0 || pos >= s.length)
    throw CacheError("position " + std::to_string(pos) + " outside sequence " + std::to_string(seq) +
                     " of length " + std::to_string(s.length));
  return KvSlot{s.chunks[pos / config_.chunk_size], pos % config_.chunk_size};
}

const uint8_t* KvCache::plane(ChunkId chunk, int layer, int kv, int head) const {
  const uint8_t* base = storage_->host_chunk(chunk);
  if (base == nullptr) throw CacheError("KV storage is not host-visible");
  return base + layout_.plane_offset(layer, kv, head) * layout_.elem_bytes();
}

void KvCache::store_kv_rows(SeqId seq, int32_t pos0, int32_t n, int layer, const float* k, const float* v) {
  const Sequence& s = impl_->seq(seq);
  if (layer < 0 || layer >= config_.n_layers)
    throw CacheError("layer " + std::to_string(layer) + " out of range [0, " + std::to_string(config_.n_layers) + ")");
  if (n < 0 || pos0 < s.computed || static_cast<int64_t>(pos0) + n > s.length)
    throw CacheError("store_kv: positions [" + std::to_string(pos0) + ", " + std::to_string(int64_t(pos0) + n) +
                     ") not inside the uncomputed range [" + std::to_string(s.computed) + ", " +
                     std::to_string(s.length) + ") of sequence " + std::to_string(seq));
  if (storage_->host_chunk(0) == nullptr) throw CacheError("store_kv: KV storage is not host-visible");
  const int hd = config_.head_dim, nkv = config_.n_kv_heads, c = config_.chunk_size;
  const size_t eb = layout_.elem_bytes();
  for (int32_t t = 0; t < n; ++t) {
    const int32_t pos = pos0 + t;
    uint8_t* base = storage_->host_chunk(s.chunks[pos / c]);
    for (int h = 0; h < nkv; ++h) {
      const size_t src = (static_cast<size_t>(t) * nkv + h) * hd;  // k, v: [n, n_kv_heads, head_dim]
      store_as(config_.dtype, k + src, base + layout_.row_offset(layer, 0, h, pos % c) * eb, hd);
      store_as(config_.dtype, v + src, base + layout_.row_offset(layer, 1, h, pos % c) * eb, hd);
    }
  }
}

void KvCache::store_kv(SeqId seq, int32_t pos, int layer, const float* k, const float* v) {
  store_kv_rows(seq, pos, 1, layer, k, v);
}

void KvCache::mark_computed(SeqId seq, int32_t upto) {
  Sequence& s = impl_->seq(seq);
  if (upto < s.computed || upto > s.length)
    throw CacheError("mark_computed: " + std::to_string(upto) + " outside [" + std::to_string(s.computed) + ", " +
                     std::to_string(s.length) + "] for sequence " + std::to_string(seq));
  const int32_t c = config_.chunk_size;
  for (int32_t k = s.computed / c; k * c < upto; ++k) {
    ChunkRecord& r = impl_->tree.at(s.chunks[k]);
    const bool was_committed = r.n_computed == c;
    r.n_computed = std::max(r.n_computed, std::min(c, upto - k * c));
    if (!was_committed && r.n_computed == c && static_cast<int32_t>(r.tokens.size()) == c) commit(s.chunks[k]);
  }
  s.computed = upto;
}

uint64_t KvCache::parent_hash(const ChunkRecord& r) const {
  const ChunkTree& tree = impl_->tree;
  return r.parent == kNoChunk ? namespace_hash(tree.namespace_name(r.ns)) : tree.at(r.parent).hash;
}

// A chunk became full and computed (shareable from now on): its prefix hash, and a Stored event.
void KvCache::commit(ChunkId id) {
  ChunkTree& tree = impl_->tree;
  ChunkRecord& r = tree.at(id);
  const uint64_t parent = parent_hash(r);
  r.hash = chunk_hash(parent, r.tokens.data(), r.tokens.size());
  if (!impl_->record_events) return;
  CacheEvent e;
  e.kind = CacheEvent::Kind::Stored;
  e.hash = r.hash;
  e.parent_hash = r.parent == kNoChunk ? 0 : parent;
  e.ns = tree.namespace_name(r.ns);
  e.tokens = r.tokens;
  impl_->events.push_back(std::move(e));
}

std::vector<CacheEvent> KvCache::drain_events() {
  std::vector<CacheEvent> out;
  out.swap(impl_->events);
  return out;
}

bool KvCache::has_sequence(SeqId seq) const { return impl_->seqs.count(seq) != 0; }
int32_t KvCache::seq_length(SeqId seq) const { return impl_->seq(seq).length; }
int32_t KvCache::seq_computed_length(SeqId seq) const { return impl_->seq(seq).computed; }
const std::vector<ChunkId>& KvCache::seq_chunks(SeqId seq) const { return impl_->seq(seq).chunks; }

std::vector<SeqId> KvCache::live_sequences() const {
  std::vector<SeqId> out;
  out.reserve(impl_->seqs.size());
  for (const auto& kv : impl_->seqs) out.push_back(kv.first);
  return out;
}

int32_t KvCache::chunk_ref_count(ChunkId chunk) const {
  if (chunk < 0 || chunk >= impl_->tree.capacity()) throw CacheError("chunk id out of range");
  return impl_->tree.at(chunk).ref;
}

int32_t KvCache::chunk_computed(ChunkId chunk) const {
  if (chunk < 0 || chunk >= impl_->tree.capacity()) throw CacheError("chunk id out of range");
  return impl_->tree.at(chunk).n_computed;
}

// ---- pinning --------------------------------------------------------------------------------

static std::vector<ChunkId> pin_path(const ChunkTree& tree, NamespaceId ns, const std::vector<int32_t>& tokens,
                                     size_t* covered) {
  const PrefixMatch pm = tree.match(ns, tokens.data(), tokens.size(), SIZE_MAX, /*exact_tail=*/true);
  std::vector<ChunkId> path = pm.full;
  if (pm.partial != kNoChunk) path.push_back(pm.partial);
  *covered = pm.full.size() * tree.chunk_size() + pm.partial_tokens;
  return path;
}

std::vector<ChunkId> KvCache::prefix_chunks(const std::string& ns, const std::vector<int32_t>& tokens) const {
  size_t covered = 0;
  return pin_path(impl_->tree, impl_->tree.find_namespace(ns), tokens, &covered);
}

size_t KvCache::pin(const std::string& ns, const std::vector<int32_t>& tokens) {
  ChunkTree& tree = impl_->tree;
  size_t covered = 0;
  const auto path = pin_path(tree, tree.find_namespace(ns), tokens, &covered);
  ++impl_->clock;
  for (ChunkId id : path) {
    tree.at(id).pins++;
    impl_->touch(tree.at(id));
    tree.refresh(id);
  }
  return covered;
}

size_t KvCache::unpin(const std::string& ns, const std::vector<int32_t>& tokens) {
  ChunkTree& tree = impl_->tree;
  size_t covered = 0;
  const auto path = pin_path(tree, tree.find_namespace(ns), tokens, &covered);
  if (path.empty() || covered != tokens.size())
    throw CacheError("unpin: prefix is not cached under namespace '" + ns + "'");
  for (ChunkId id : path)
    if (tree.at(id).pins == 0) throw CacheError("unpin: prefix is not pinned under namespace '" + ns + "'");
  ++impl_->clock;
  for (ChunkId id : path) {
    tree.at(id).pins--;
    impl_->touch(tree.at(id));
    tree.refresh(id);
  }
  return covered;
}

size_t KvCache::evict_all() {
  size_t n = 0;
  while (impl_->tree.evict_one()) ++n;
  return n;
}

// ---- observation ----------------------------------------------------------------------------

CacheCounters KvCache::counters() const {
  const ChunkTree& tree = impl_->tree;
  CacheCounters k;
  k.lookups = impl_->lookups;
  k.hit_tokens = impl_->hit_tokens;
  k.missed_tokens = impl_->missed_tokens;
  k.evictions = tree.evictions();
  k.capacity_chunks = tree.capacity();
  k.free_chunks = tree.free_count();
  k.used_chunks = k.capacity_chunks - k.free_chunks;
  for (ChunkId id = 0; id < tree.capacity(); ++id) {
    const ChunkRecord& r = tree.at(id);
    if (!r.in_use) continue;
    k.referenced_chunks += r.ref > 0;
    k.pinned_chunks += r.pins > 0;
  }
  k.cached_chunks = tree.reclaimable_count();
  k.chunk_bytes = layout_.chunk_bytes();
  k.bytes_in_use = k.used_chunks * k.chunk_bytes;
  k.live_sequences = impl_->seqs.size();
  return k;
}

CacheSnapshot KvCache::snapshot() const {
  const ChunkTree& tree = impl_->tree;
  CacheSnapshot snap;
  snap.counters = counters();
  snap.version = version_;
  for (ChunkId id : tree.dfs_order()) {
    const ChunkRecord& r = tree.at(id);
    CacheChunk info;
    info.id = id;
    info.parent = r.parent;
    info.ns = tree.namespace_name(r.ns);
    info.n_tokens = static_cast<int32_t>(r.tokens.size());
    info.n_computed = r.n_computed;
    info.ref_count = r.ref;
    info.pin_count = r.pins;
    info.last_use = r.last_use;
    info.last_use_ms = r.last_use_ms;
    info.hits = r.hits;
    // A chunk still filling (a tail) gets the hash of the tokens it holds so far.
    info.hash = r.hash != 0 || r.tokens.empty() ? r.hash : chunk_hash(parent_hash(r), r.tokens.data(), r.tokens.size());
    snap.chunks.push_back(std::move(info));
  }
  return snap;
}

void KvCache::check_invariants() const {
  const ChunkTree& tree = impl_->tree;
  const int32_t c = config_.chunk_size;
  tree.check();
  std::vector<int32_t> refs(tree.capacity(), 0);
  for (const auto& kv : impl_->seqs) {
    const Sequence& s = kv.second;
    const std::string id = std::to_string(kv.first);
    if (s.chunks.empty()) throw CacheError("cache invariant violated: sequence " + id + " has no chunks");
    int32_t tokens = 0;
    ChunkId parent = kNoChunk;
    for (size_t k = 0; k < s.chunks.size(); ++k) {
      const ChunkRecord& r = tree.at(s.chunks[k]);
      if (!r.in_use || r.parent != parent || r.ns != s.ns) throw CacheError("cache invariant violated: path of sequence " + id + " broken");
      const bool last = k + 1 == s.chunks.size();
      if (!last && static_cast<int32_t>(r.tokens.size()) != c) throw CacheError("cache invariant violated: inner chunk of sequence " + id + " not full");
      if (last && static_cast<int32_t>(r.tokens.size()) >= c) throw CacheError("cache invariant violated: tail of sequence " + id + " has no room");
      if (last && r.ref != 1) throw CacheError("cache invariant violated: tail of sequence " + id + " shared");
      if (r.ref > 1 && r.n_computed != c) throw CacheError("cache invariant violated: shared chunk not fully computed");
      tokens += static_cast<int32_t>(r.tokens.size());
      refs[s.chunks[k]]++;
      parent = s.chunks[k];
    }
    if (tokens != s.length) throw CacheError("cache invariant violated: length of sequence " + id + " differs from its chunks");
    if (s.computed > s.length) throw CacheError("cache invariant violated: computed beyond length");
  }
  for (ChunkId id = 0; id < tree.capacity(); ++id)
    if (tree.at(id).in_use && tree.at(id).ref != refs[id])
      throw CacheError("cache invariant violated: ref count of chunk " + std::to_string(id));
}

}  // namespace chunkserve
